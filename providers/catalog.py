"""The vendor catalog: one YAML file per vendor under `providers/catalog/`, validated here.

Vendors are data. Everything that differs between vendors speaking one wire protocol (hosts,
regions, key variable, quirks, moderation signatures, limits, prices) lives in those files,
so adding a vendor that speaks a known protocol is one YAML file and no code.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from providers.errors import CatalogError, ModelRefError

CATALOG_DIR = Path(__file__).parent / "catalog"
Protocol = Literal["openai_chat", "anthropic_messages", "gemini"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quirks(_Strict):
    """Typed differences between vendors that speak the same protocol."""

    reasoning_fields: tuple[str, ...] = ("reasoning_content", "reasoning")
    """Delta/message fields that carry reasoning text, tried in order."""
    max_tokens_param: str = "max_tokens"
    """Request field for the output cap (`max_completion_tokens` for newer OpenAI models)."""
    stream_usage: bool = True
    """Send `stream_options.include_usage` so the last chunk carries usage."""
    drop_params: tuple[str, ...] = ()
    """Suite params this vendor rejects; dropped from the request and recorded as dropped."""
    think_tags: bool = False
    """Reasoning arrives inline as `<think>…</think>` at the start of the answer text."""


class Signature(_Strict):
    """How one moderation block looks on the wire; every given field must match."""

    name: str
    stage: Literal["input", "output"] = "input"
    status: int | None = None
    """HTTP status of the block (None: any status, including 200 in-band)."""
    code: str | None = None
    """Matched against the error's `code` or `type` (string compare)."""
    message: str | None = None
    """Regular expression searched in the error message or raw body."""
    finish_reason: str | None = None
    """A finish/stop reason (regular expression, fully matched) that means the vendor's
    moderation cut the answer."""
    protocol: Protocol | None = None
    """Only on endpoints speaking this protocol (a vendor may offer two)."""
    example: str | None = None
    """What the vendor sends: a verbatim error body, or the concrete finish reason to play;
    the simulator replays it."""

    @model_validator(mode="after")
    def _has_a_test(self) -> Signature:
        if not (self.code or self.message or self.finish_reason):
            raise ValueError("a signature needs code, message or finish_reason")
        return self


Unknown = Literal["unknown"]
FACTS = (
    "operator",
    "jurisdiction",
    "processing_region",
    "training",
    "retention_days",
    "zero_retention",
)


class Governance(_Strict):
    """Where an endpoint's data goes, from the vendor's published terms: what a data-governance
    policy is checked against before anything is sent. A fact nobody could confirm is
    `unknown`, never a guess; every known fact carries its source and the date it was read."""

    operator: str = "unknown"
    """The legal entity that operates the API."""
    jurisdiction: str = "unknown"
    """Whose law governs the operator and the processing: an ISO country code, `EU`, or `self`
    for a server you run yourself."""
    processing_region: str = "unknown"
    """Where API data is processed and stored, as the vendor says."""
    training: bool | Unknown = "unknown"
    """Are API inputs and outputs used for training by default?"""
    opt_out: str = "unknown"
    """How to opt out of training, or whether a no-training option exists."""
    retention_days: int | Unknown = "unknown"
    """How long API data is kept by default, in days."""
    retention_note: str = ""
    zero_retention: bool | Unknown = "unknown"
    """Does a zero-data-retention (or enterprise no-retention) option exist?"""
    training_note: str = ""
    notes: str = ""
    evidence: str = ""
    """Whether the facts come from the vendor's own pages or from copies and summaries."""
    terms: list[str] = []
    """The pages the facts were read from."""
    checked: str | None = None
    """The date they were read (YYYY-MM-DD)."""

    @model_validator(mode="after")
    def _sourced(self) -> Governance:
        known = [f for f in FACTS if getattr(self, f) != "unknown"]
        if known and not (self.terms and self.checked):
            raise ValueError(f"{known[0]} is known: give terms (the source) and checked (date)")
        return self

    def fact(self, name: str) -> str:
        """One fact as a user reads it, with where it came from and how firm that is (the host
        only: a verdict stays one readable line; `bench providers --governance` has the URLs)."""
        value = getattr(self, name)
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        if value == "unknown":
            return f"{name} unknown"
        host = urlsplit(self.terms[0].split()[0]).hostname or self.terms[0]
        weight = f"; {self.evidence}" if self.evidence else ""
        return f"{name} {shown} (per {host}{weight}; checked {self.checked})"


class Endpoint(_Strict):
    base_url: str
    region: str
    """Where the endpoint serves from, as the vendor names it (e.g. "China mainland")."""
    protocol: Protocol | None = None
    """Overrides the vendor's protocol for a second, compatible endpoint."""


class Limits(_Strict):
    concurrency: int = Field(8, ge=1)
    rpm: int | None = Field(None, ge=1)
    tpm: int | None = Field(None, ge=1)
    """Tokens per minute (input estimate + max_tokens per request)."""


class Tier(_Strict):
    """Prices for requests whose input is above `above` tokens. The whole request is billed at
    the tier's prices (as Volcengine Ark bills), not progressively."""

    above: int = Field(ge=0)
    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(None, ge=0)


class OffPeak(_Strict):
    """Discounted hours: UTC windows "HH:MM-HH:MM" (may wrap midnight), prices × factor."""

    windows: tuple[str, ...]
    factor: float = Field(0.5, gt=0, le=1)

    @model_validator(mode="after")
    def _windows(self) -> OffPeak:
        for w in self.windows:
            if not re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", w):
                raise ValueError(f"window {w!r}: write HH:MM-HH:MM (UTC)")
        return self


class Price(_Strict):
    """List price per million tokens, in `currency`, as checked on `checked` at `source`."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(None, ge=0)
    """Price of cached input tokens; the input price when the vendor gives no discount."""
    reasoning: float | None = Field(None, ge=0)
    """Price of reasoning tokens when billed apart from output (else the output price)."""
    tiers: tuple[Tier, ...] = ()
    offpeak: OffPeak | None = None
    currency: Literal["USD", "CNY"] = "USD"
    checked: str
    source: str


class Vendor(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    hq: str = Field(description="ISO country code of the headquarters, or 'n/a' for OSS servers")
    protocol: Protocol
    api_key_env: str = Field(pattern=r"^[A-Z][A-Z0-9_]*_API_KEY$")
    key_required: bool = True
    """Local servers accept any key; a placeholder is sent when none is set."""
    auth: Literal["bearer", "x-api-key", "x-goog-api-key"] | None = None
    """Defaults to the protocol's own scheme."""
    headers: dict[str, str] = {}
    endpoints: dict[str, Endpoint]
    default_endpoint: str
    quirks: Quirks = Quirks()
    moderation: tuple[Signature, ...] = ()
    quota: tuple[Signature, ...] = ()
    """Errors meaning the account is out of credit or over a hard cap: never retried."""
    genai_prices_id: str | None = None
    """Provider id in the genai-prices library, for models the catalog does not price."""
    check_model: str | None = None
    """A cheap model for `bench providers --check` and live smoke tests."""
    limits: Limits = Limits()
    prices: dict[str, Price] = {}
    governance: dict[str, Governance] = {}
    """Per endpoint id: where its data goes (an endpoint left out has every fact unknown)."""
    docs: str | None = None

    @model_validator(mode="after")
    def _default_exists(self) -> Vendor:
        if self.default_endpoint not in self.endpoints:
            raise ValueError(f"default_endpoint {self.default_endpoint!r} is not in endpoints")
        stray = sorted(set(self.governance) - set(self.endpoints))
        if stray:
            raise ValueError(f"governance names {stray[0]!r}, which is not an endpoint")
        return self

    def governance_of(self, endpoint_id: str) -> Governance:
        return self.governance.get(endpoint_id) or Governance()

    @property
    def env_prefix(self) -> str:
        return self.api_key_env.removesuffix("_API_KEY")

    @property
    def base_url_env(self) -> str:
        return f"{self.env_prefix}_BASE_URL"

    def base_url_env_for(self, endpoint_id: str) -> str:
        """`<PREFIX>_BASE_URL` for endpoints of the vendor's own protocol; a second-protocol
        endpoint has its own, `<PREFIX>_<ENDPOINT>_BASE_URL`, since one proxy rarely serves both."""
        endpoint = self.endpoints[endpoint_id]
        if endpoint.protocol in (None, self.protocol):
            return self.base_url_env
        return f"{self.env_prefix}_{endpoint_id.upper().replace('-', '_')}_BASE_URL"

    def key_is_set(self) -> bool:
        return bool(os.environ.get(self.api_key_env))


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it: the same documents, read ~10 times faster (the
catalog is read at every start)."""
MAX_CATALOG_BYTES = 1024 * 1024
"""A vendor entry is a few KB; a user catalog directory must not make bench read forever."""


def read_yaml(path: Path) -> object:
    """A catalog file's data: a regular file, bounded, UTF-8, without YAML aliases (a few
    nested aliases expand to billions of nodes)."""
    if not path.is_file() or path.stat().st_size > MAX_CATALOG_BYTES:
        raise CatalogError(f"{path}: not a regular file under 1 MB; fix the catalog directory")
    try:
        text = path.read_text(encoding="utf-8")
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=_LOADER)):
            raise CatalogError(f"{path}: YAML aliases are not accepted; write the value out")
        return yaml.load(text, Loader=_LOADER)
    except UnicodeDecodeError:
        raise CatalogError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    except yaml.YAMLError as exc:
        raise CatalogError(
            f"{path}: not valid YAML ({exc.__class__.__name__}); fix the file"
        ) from None


def _load_file(path: Path) -> Vendor:
    data = read_yaml(path)
    try:
        vendor = Vendor.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise CatalogError(f"{path}: {where}: {err['msg']}; fix the catalog entry") from None
    if vendor.id != path.stem:
        raise CatalogError(f"{path}: id {vendor.id!r} must match the file name {path.stem!r}")
    return vendor


EXTRA_ENV = "BENCH_CATALOG_PATH"
"""Directories of the user's own vendor YAML files (os.pathsep-separated); same id wins."""


def load_catalog(directory: Path = CATALOG_DIR) -> dict[str, Vendor]:
    """Every vendor, keyed by id (the part of a model ref before the colon): the shipped
    catalog plus the user's own directories from $BENCH_CATALOG_PATH, which may add vendors
    or replace shipped ones."""
    return _load(directory, os.environ.get(EXTRA_ENV, ""))


@lru_cache(maxsize=8)
def _load(directory: Path, extra: str) -> dict[str, Vendor]:
    vendors = {}
    dirs = [directory, *(Path(p) for p in extra.split(os.pathsep) if p)]
    for d in dirs:
        if d != directory and not d.is_dir():
            raise CatalogError(f"{EXTRA_ENV}: {d} is not a directory; fix the path")
        for path in sorted(d.glob("*.yaml")):
            vendor = _load_file(path)
            vendors[vendor.id] = vendor
    return vendors


_REF = re.compile(r"^(?P<vendor>[a-z][a-z0-9_]*)(?:@(?P<endpoint>[a-z0-9_-]+))?:(?P<model>\S.*)$")


def parse_ref(ref: str) -> tuple[str, str | None, str]:
    """Split `vendor[@endpoint]:model`; the model part may itself hold colons (`qwen2.5:7b`)."""
    m = _REF.match(ref.strip())
    if not m:
        raise ModelRefError(
            f"model {ref!r}: expected vendor:model or vendor@endpoint:model; "
            "`bench providers` lists the vendors and their endpoints"
        )
    return m["vendor"], m["endpoint"], m["model"]


__all__ = [
    "CATALOG_DIR",
    "EXTRA_ENV",
    "Endpoint",
    "Governance",
    "Limits",
    "OffPeak",
    "Price",
    "Protocol",
    "Quirks",
    "Signature",
    "Tier",
    "Vendor",
    "load_catalog",
    "parse_ref",
    "read_yaml",
]
