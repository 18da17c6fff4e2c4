"""Model families: one set of open weights and the name each host serves it under.

The same weights can be reached through the maker's own API, a US host or a server you run
yourself; comparing them shows which layer does the censoring (the API's moderation, the
weights, or a host's filter). Families are data, like vendors: one YAML file each under
`providers/catalog/families/`, and users add their own in a `families/` folder of any
directory on $BENCH_CATALOG_PATH.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from providers.catalog import CATALOG_DIR, EXTRA_ENV, Vendor, load_catalog, parse_ref, read_yaml
from providers.errors import CatalogError, ModelRefError

FIRST_PARTY = "first-party"
"""The host name of the maker's own API (all its endpoints: CN and international)."""
HostKind = Literal["first-party", "host", "self-hosted"]


class Family(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9.-]*$")
    name: str
    weights: str
    """Where the open weights are published (a model page)."""
    hosts: dict[str, tuple[str, ...]]
    """Host name → the model references that serve these weights there (vendor[@endpoint]:model).
    `first-party` is the maker's own API; a host whose endpoint is local is self-hosted."""
    notes: str = ""

    def refs(self) -> list[tuple[str, str]]:
        """(host, ref) for every model reference, in file order."""
        return [(host, ref) for host, refs in self.hosts.items() for ref in refs]


def host_kind(host: str, ref: str, catalog: dict[str, Vendor]) -> HostKind:
    """First-party by name; self-hosted when the endpoint serves from this machine's side."""
    if host == FIRST_PARTY:
        return "first-party"
    vendor_id, endpoint_id, _ = parse_ref(ref)
    vendor = catalog[vendor_id]
    endpoint = vendor.endpoints[endpoint_id or vendor.default_endpoint]
    return "self-hosted" if endpoint.region == "local" else "host"


def _check(family: Family, path: Path, catalog: dict[str, Vendor]) -> None:
    """Every reference names a vendor and endpoint the catalog has: a typo fails at load,
    naming the file, not halfway through a paid run."""
    if family.id != path.stem:
        raise CatalogError(f"{path}: id {family.id!r} must match the file name {path.stem!r}")
    for host, ref in family.refs():
        try:
            vendor_id, endpoint_id, _ = parse_ref(ref)
        except ModelRefError as exc:
            raise CatalogError(f"{path}: hosts.{host}: {exc}") from None
        vendor = catalog.get(vendor_id)
        if vendor is None:
            raise CatalogError(f"{path}: hosts.{host}: unknown vendor {vendor_id!r}; fix the ref")
        if endpoint_id is not None and endpoint_id not in vendor.endpoints:
            raise CatalogError(
                f"{path}: hosts.{host}: {vendor_id} has no endpoint {endpoint_id!r}; "
                f"use one of {', '.join(vendor.endpoints)}"
            )


def _load_file(path: Path, catalog: dict[str, Vendor]) -> Family:
    try:
        family = Family.model_validate(read_yaml(path))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise CatalogError(f"{path}: {where}: {err['msg']}; fix the family entry") from None
    _check(family, path, catalog)
    return family


def load_families(directory: Path = CATALOG_DIR) -> dict[str, Family]:
    """Every family, keyed by id: the shipped ones plus `families/` of each $BENCH_CATALOG_PATH
    directory (same id wins)."""
    return _load(directory, os.environ.get(EXTRA_ENV, ""))


@lru_cache(maxsize=8)
def _load(directory: Path, extra: str) -> dict[str, Family]:
    catalog = load_catalog(directory)
    families: dict[str, Family] = {}
    for d in [directory, *(Path(p) for p in extra.split(os.pathsep) if p)]:
        for path in sorted((d / "families").glob("*.yaml")):
            family = _load_file(path, catalog)
            families[family.id] = family
    return families


def find_family(family_id: str, families: dict[str, Family]) -> Family:
    try:
        return families[family_id]
    except KeyError:
        known = ", ".join(sorted(families)) or "none"
        raise ModelRefError(
            f"unknown family {family_id!r}; use one of {known} (see `bench providers --families`)"
        ) from None


__all__ = [
    "FIRST_PARTY",
    "Family",
    "HostKind",
    "find_family",
    "host_kind",
    "load_families",
]
