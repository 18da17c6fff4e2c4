"""`--family`: one family's open weights on every host that can be reached, tagged.

The same items, params and seeds go to the maker's API, US hosts and local servers, so the
report can tell which layer refuses (see analysis/layers.py). A host that cannot be reached
(no key; for a local server, no base URL) is skipped and named, never silently dropped.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from harness.errors import ConfigError
from harness.results.manifest import HostTag
from providers.catalog import Vendor, load_catalog, parse_ref
from providers.families import Family, find_family, host_kind, load_families


def reachable(ref: str, catalog: Mapping[str, Vendor], env: Mapping[str, str]) -> str | None:
    """None when the ref can be called; else why not, as the fix (the variable to set)."""
    vendor_id, endpoint_id, _ = parse_ref(ref)
    vendor = catalog[vendor_id]
    endpoint_id = endpoint_id or vendor.default_endpoint
    if env.get(vendor.api_key_env):
        return None
    if not vendor.key_required:
        url_env = vendor.base_url_env_for(endpoint_id)
        return None if env.get(url_env) else f"{url_env} not set (a local server)"
    return f"{vendor.api_key_env} not set"


def _chosen(family: Family, hosts: list[str] | None) -> list[tuple[str, str]]:
    if not hosts:
        return family.refs()
    unknown = [h for h in hosts if h not in family.hosts]
    if unknown:
        raise ConfigError(
            f"--hosts: family {family.id} has no model name for host {unknown[0]!r}; its hosts "
            f"are {', '.join(family.hosts)} (add one in a families/{family.id}.yaml)"
        )
    return [(h, r) for h, r in family.refs() if h in hosts]


def expand_family(
    family_id: str,
    hosts: list[str] | None,
    simulate: bool,
    env: Mapping[str, str] | None = None,
) -> tuple[dict[str, HostTag], list[str]]:
    """The family's model refs to run, each tagged with its host, and a notice naming the
    hosts skipped and why. Simulated, every host is reachable (the simulator plays them all)."""
    env = os.environ if env is None else env
    catalog = load_catalog()
    family = find_family(family_id, load_families())
    chosen = _chosen(family, hosts)
    skipped = {} if simulate else {r: reachable(r, catalog, env) for _, r in chosen}
    tags = {
        ref: HostTag(family=family.id, host=host, kind=host_kind(host, ref, catalog))
        for host, ref in chosen
        if not skipped.get(ref)
    }
    if not tags:
        need = sorted({why.split(" ")[0] for why in skipped.values() if why})
        raise ConfigError(
            f"--family {family.id}: no host can be reached; set one of {', '.join(need)} "
            "(or run with --simulate)"
        )
    said = [f"{ref} ({why})" for ref, why in skipped.items() if why]
    notices = [f"family {family.id}: skipped " + "; ".join(said)] if said else []
    return tags, notices


__all__ = ["expand_family", "reachable"]
