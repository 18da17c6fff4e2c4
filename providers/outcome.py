"""Deciding one answer's transport outcome, the same way for every protocol.

Each protocol parser gathers text, the vendor's finish reason, any in-band error and whether
the stream ended properly; this module turns that into `ok | api_block | withdrawn |
truncated | empty` or a failure, using only the vendor's catalog signatures.

It also holds the parsers' way of reading a payload they cannot trust: any JSON may arrive
where an object was promised. A container of the wrong type where the protocol puts structure
(`choices`, `delta`, `candidates`, content parts) or a non-string where it puts answer text is
a protocol violation: noted once in `Gathered.problem`, it makes the attempt a `protocol`
failure, never an exception that would end the run. Metadata of the wrong type is harmless and
tolerated: a scalar id or model name is taken as its text, anything else as not reported, and a
token count that is not a whole number within int64 as not reported (never guessed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from providers.base import NOTHING, Answer, Failure, Outcome, Target, Usage
from providers.catalog import Vendor
from providers.moderation import match_error, match_finish
from providers.reasoning import answer_text
from providers.status import failure_for_status


@dataclass(slots=True)
class Gathered:
    """What a parser collected from one response."""

    text: str = ""
    reasoning: str = ""
    finish_reason: str | None = None
    truncated: bool = False
    """The protocol's own output-limit stop (length, max_tokens, MAX_TOKENS)."""
    complete: bool = False
    """The protocol's end marker arrived ([DONE], message_stop, a final finishReason)."""
    error: dict[str, Any] | None = None
    """An error object found in-band (an SSE error event or an error body with status 200)."""
    usage: Usage = field(default_factory=Usage)
    model_reported: str | None = None
    response_id: str | None = None
    system_fingerprint: str | None = None
    upstream_provider: str | None = None
    problem: str | None = None
    """The first protocol violation found (a wrong-typed field); the attempt then fails."""


INT64_MAX = 2**63 - 1
EMPTY: Any = MappingProxyType({})
"""Read-only stand-in for an absent or wrong-typed object, so `.get` needs no test."""
_SHAPES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number"}


def as_text(value: Any) -> str | None:
    """A string field (id, model, fingerprint): a number or boolean is taken as its text; an
    object or a list says nothing usable, so None."""
    if value is None or value.__class__ is str:
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def as_count(value: Any) -> int | None:
    """A token count: a whole number from 0 to int64's maximum (12.0 counts as 12). Anything
    else (`"12"`, -3, true, 1e400) is a count the vendor did not really report, so None."""
    if value.__class__ is int:
        return value if 0 <= value <= INT64_MAX else None
    if value.__class__ is float and value.is_integer() and 0 <= value <= INT64_MAX:
        return int(value)
    return None


def as_object(value: Any) -> Any:
    """An optional object (usage details): itself when it is one, else a read-only empty one."""
    return value if value.__class__ is dict else EMPTY


def violation(g: Gathered, problem: str) -> int:
    """Note the first protocol violation; parsing goes on, but the attempt will fail with it."""
    if g.problem is None:
        g.problem = problem
    return NOTHING


def odd(g: Gathered, where: str, value: Any) -> int:
    """`where` holds a value of the wrong type: a protocol violation naming the type found."""
    found = "a number" if value.__class__ is float else _SHAPES.get(value.__class__, "null")
    return violation(g, f"{where} is {found}")


def as_reason(g: Gathered, where: str, value: Any) -> str | None:
    """A finish reason of another type than string: a scalar is taken as its text, and an
    object or list is a violation (a reason nothing can match)."""
    text = as_text(value)
    if text is None:
        odd(g, where, value)
    return text


def dump(obj: Any) -> str:
    """JSON text of a parsed payload; one nested too deeply to print again still says so."""
    try:
        return json.dumps(obj, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return "(a payload nested too deeply to print)"


def decide(vendor: Vendor, g: Gathered, protocol: str) -> Answer | Failure:
    if g.error is not None:
        body = dump(g.error)
        sig = match_error(vendor, None, g.error, protocol=protocol)
        if sig is None:
            return Failure("stream_error", f"error event: {body[:300]}", body=body)
        return _answer(g, "withdrawn" if g.text.strip() else "api_block", sig.name, body)
    if g.problem is not None:
        return Failure("protocol", f"reply not in the protocol's shape: {g.problem}")
    sig = match_finish(vendor, g.finish_reason, protocol)
    if sig is not None:
        return _answer(g, "withdrawn" if g.text.strip() else "api_block", sig.name)
    if not g.complete:
        return Failure("dropped", f"stream ended early after {len(g.text)} characters")
    if g.truncated:
        return _answer(g, "truncated")
    # an answer of only inline reasoning (`<think></think>`) answered nothing
    return _answer(g, "ok" if answer_text(g.text) else "empty")


def _answer(
    g: Gathered, outcome: Outcome, block: str | None = None, error_body: str | None = None
) -> Answer:
    return Answer(
        outcome=outcome,
        text=g.text,
        reasoning=g.reasoning,
        finish_reason=g.finish_reason,
        usage=g.usage,
        model_reported=g.model_reported,
        response_id=g.response_id,
        system_fingerprint=g.system_fingerprint,
        upstream_provider=g.upstream_provider,
        block=block,
        error_body=error_body,
    )


def classify_http(
    target: Target, status: int, body: bytes, headers: dict[str, str]
) -> Answer | Failure:
    """An HTTP error status: a moderation block (a result), a quota stop, or a failure."""
    vendor = target.vendor
    sig = match_error(vendor, status, body, protocol=target.protocol)
    if sig is not None:
        return Answer(
            outcome="api_block",
            http_status=status,
            block=sig.name,
            error_body=body.decode("utf-8", "replace")[:20000],
        )
    failure = failure_for_status(status, body, headers)
    if vendor.quota and match_error(vendor, status, body, vendor.quota) is not None:
        failure.kind = "quota"
    return failure


class AdapterBase:
    """What every protocol adapter shares: making its parser and classifying HTTP errors."""

    parser_class: type

    def parser(self, target: Target):  # type: ignore[no-untyped-def]
        return self.parser_class(target)

    def classify(
        self, target: Target, status: int, body: bytes, headers: dict[str, str]
    ) -> Answer | Failure:
        return classify_http(target, status, body, headers)


__all__ = [
    "EMPTY",
    "INT64_MAX",
    "AdapterBase",
    "Gathered",
    "as_count",
    "as_object",
    "as_reason",
    "as_text",
    "classify_http",
    "decide",
    "dump",
    "odd",
    "violation",
]
