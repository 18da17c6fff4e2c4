"""A run's manifest: what was asked, of whom, with what, and how the run ended.

Written before the first request (so an interrupted run can always be resumed) and again when
the run ends. Typed, so a field is read by name in one place and a damaged manifest is named
as such instead of surfacing later as a KeyError.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from harness.results.redact import strip_userinfo

Status = Literal["running", "finished", "interrupted", "budget_exhausted"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class EndpointInfo(_Model):
    """Where one model's requests went (never its key)."""

    ref: str
    vendor: str
    name: str
    hq: str
    endpoint: str
    region: str
    protocol: str
    base_url: str
    model: str

    @field_validator("base_url")
    @classmethod
    def _no_credentials(cls, url: str) -> str:
        """A base URL may carry credentials (`https://user:pass@host`); the manifest keeps
        where the requests went, never how they authenticated."""
        return strip_userinfo(url)


class FxInfo(_Model):
    cny_per_usd: float
    source: str


class GateSummary(_Model):
    """How an endpoint's adaptive concurrency moved under 429s."""

    cuts: int
    low: int
    final: int
    max: int


class RunSummary(_Model):
    """What the run did: outcomes per model, failed attempts, cache, suspect latency."""

    outcomes: dict[str, dict[str, int]] = {}
    failed_attempts: dict[str, int] = {}
    cached: int = 0
    latency_suspect: int = 0
    adaptive: dict[str, GateSummary] = {}
    max_loop_lag_ms: float | None = None
    notices: list[str] = []
    """Where a limit held the run below what was asked (said at the start, too)."""


class FlowEntry(_Model):
    """Where a run's prompts went: one endpoint, what it is bound by, how much was sent."""

    endpoint: str
    host: str | None
    jurisdiction: str
    region: str
    data_class: str
    requests: int
    """HTTP requests sent (every attempt)."""
    bytes: int
    """Prompt bytes sent (system and user text, UTF-8), every attempt counted."""
    policy_sha256: str | None = None
    """The data policy the run was checked against, if any."""


class HostTag(_Model):
    """A model ref of a `--family` run: which open weights, on which host."""

    family: str
    host: str
    """The family's host name: first-party, or the name the family file gives the host."""
    kind: str
    """first-party, host (a third party's API) or self-hosted (a local server)."""


class Manifest(_Model):
    run_id: str
    schema_version: int
    created_at: str
    suite_name: str
    suite_path: str | None = None
    suite_hash: str
    suite: dict[str, Any]
    """The suite as run, items inlined: rebuilt by `suites.suite_from_dict`."""
    models: list[str]
    endpoints: list[EndpointInfo] = []
    params: dict[str, Any] = {}
    repeat: int
    jobs: int
    simulated: bool
    fx: FxInfo
    versions: dict[str, str] = {}
    git_sha: str | None = None
    host: str | None = None
    status: Status = "running"
    shard: list[int] | None = None
    cache: bool = False
    max_cost: float | None = None
    spent_usd: float | None = None
    finished_at: str | None = None
    rows: int | None = None
    summary: RunSummary | None = None
    merged_from: list[str] | None = None
    data_class: str = "public"
    data_flow: list[FlowEntry] = []
    """Per endpoint: where the prompts went and how much (a resume adds to it)."""
    hosts: dict[str, HostTag] = {}
    """Per model ref of a `--family` run: the family and host it stands for."""


__all__ = [
    "HostTag",
    "EndpointInfo",
    "FlowEntry",
    "FxInfo",
    "GateSummary",
    "Manifest",
    "RunSummary",
    "Status",
]
