"""Wire-neutral types every protocol adapter speaks, and the adapter interface.

Adapters are sans-IO: they build a `WireRequest`, parse bytes or SSE events handed to them,
and classify error statuses. Whoever calls them owns the sockets, the clock and the retries,
so every protocol is timed, retried and faked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from providers.catalog import Endpoint, Vendor

Outcome = Literal["ok", "api_block", "withdrawn", "truncated", "empty", "error"]
OUTCOMES: tuple[Outcome, ...] = ("ok", "api_block", "withdrawn", "truncated", "empty", "error")

# What one parsed event carried; the runner timestamps the first of each kind.
NOTHING, REASONING, TEXT = 0, 1, 2


class Params(BaseModel):
    """Sampling parameters a suite may set; unknown keys are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    max_tokens: int | None = Field(None, ge=1)
    seed: int | None = None
    stop: list[str] | None = None
    stream: bool = True
    """Stream answers (needed for TTFT); off measures only end-to-end latency."""
    extra: dict[str, Any] = {}
    """Vendor-specific body fields passed through as given (e.g. `enable_thinking`)."""


class Secret:
    """An API key that cannot leak through repr, str, logs or pickled rows."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class Target:
    """One resolved model: which vendor, endpoint and host a job talks to."""

    ref: str
    vendor: Vendor
    endpoint_id: str
    endpoint: Endpoint
    model: str
    base_url: str
    api_key: Secret
    simulated: bool = False
    family: str | None = None
    """The open-weights family this ref stands for in a `--family` run."""
    family_host: str | None = None

    @property
    def protocol(self) -> str:
        return self.endpoint.protocol or self.vendor.protocol

    @property
    def endpoint_key(self) -> str:
        """Jobs sharing this key share one concurrency limit."""
        return f"{self.vendor.id}@{self.endpoint_id}"


@dataclass(slots=True)
class WireRequest:
    method: str
    url: str
    headers: dict[str, str]
    json: dict[str, Any]
    stream: bool
    dropped_params: tuple[str, ...] = ()


@dataclass(slots=True)
class Usage:
    """Token counts as the vendor reported them, in the inclusive convention.

    input_tokens includes cached_tokens; output_tokens includes reasoning_tokens.
    None means the vendor did not report the figure (never guessed as 0).
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None


@dataclass(slots=True)
class Answer:
    """What a vendor answered on one attempt that reached a result (including a block)."""

    outcome: Outcome
    text: str = ""
    reasoning: str = ""
    finish_reason: str | None = None
    http_status: int | None = 200
    usage: Usage = field(default_factory=Usage)
    model_reported: str | None = None
    response_id: str | None = None
    system_fingerprint: str | None = None
    upstream_provider: str | None = None
    block: str | None = None
    """Name of the catalog moderation signature that matched, for api_block/withdrawn."""
    error_body: str | None = None


FailureKind = Literal[
    "rate_limit",
    "overloaded",
    "server",
    "timeout",
    "connect",
    "dropped",
    "stream_error",
    "auth",
    "bad_request",
    "not_found",
    "protocol",
    "quota",
    "too_large",
    "internal",
]
"""Why an attempt failed. `protocol`: the reply was not the protocol's shape (valid JSON of the
wrong types included), so asking again would get the same; `too_large`: the reply exceeded what
bench will hold; `internal`: bench itself raised while handling the call, recorded so one job's
bug cannot end a run. Only the transient kinds in RETRYABLE are retried."""
RETRYABLE: frozenset[str] = frozenset(
    {"rate_limit", "overloaded", "server", "timeout", "connect", "dropped", "stream_error"}
)


@dataclass(slots=True)
class Failure:
    """An attempt that produced no answer; retried when its kind is transient."""

    kind: FailureKind
    message: str
    status: int | None = None
    retry_after: float | None = None
    body: str | None = None

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


class Parser(Protocol):
    """Accumulates one response; the same object serves streamed and unstreamed answers."""

    def feed(self, event: str | None, data: str) -> int:
        """Take one SSE event; return NOTHING, REASONING or TEXT for the runner's clock."""

    def feed_body(self, body: bytes) -> None:
        """Take a whole unstreamed JSON body."""

    def finish(self) -> Answer | Failure:
        """Decide the outcome once the stream or body has ended."""


class Adapter(Protocol):
    protocol: str

    def build(
        self, target: Target, messages: list[dict[str, str]], params: Params
    ) -> WireRequest: ...

    def parser(self, target: Target) -> Parser: ...

    def classify(
        self, target: Target, status: int, body: bytes, headers: dict[str, str]
    ) -> Answer | Failure: ...


__all__ = [
    "NOTHING",
    "OUTCOMES",
    "REASONING",
    "RETRYABLE",
    "TEXT",
    "Adapter",
    "Answer",
    "Failure",
    "FailureKind",
    "Outcome",
    "Params",
    "Parser",
    "Secret",
    "Target",
    "Usage",
    "WireRequest",
    "auth_headers",
    "sampling_fields",
]


def sampling_fields(
    params: Params, names: dict[str, str], drop: tuple[str, ...]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Suite params under the protocol's field names (`names`: ours → theirs). Params the
    vendor rejects — named as suites name them — are left out and reported as dropped."""
    fields: dict[str, Any] = {}
    dropped = []
    for ours, theirs in names.items():
        value = getattr(params, ours)
        if value is None:
            continue
        if ours in drop:
            dropped.append(ours)
        else:
            fields[theirs] = value
    return fields, tuple(dropped)


def auth_headers(target: Target, scheme: str) -> dict[str, str]:
    """The key in the header the protocol (or the vendor's `auth` override) expects."""
    key = target.api_key.reveal()
    if not key:
        return {}
    scheme = target.vendor.auth or scheme
    if scheme == "bearer":
        return {"authorization": f"Bearer {key}"}
    return {scheme: key}
