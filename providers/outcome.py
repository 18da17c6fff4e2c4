"""Deciding one answer's transport outcome, the same way for every protocol.

Each protocol parser gathers text, the vendor's finish reason, any in-band error and whether
the stream ended properly; this module turns that into `ok | api_block | withdrawn |
truncated | empty` or a retryable failure, using only the vendor's catalog signatures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from providers.base import Answer, Failure, Outcome, Target, Usage
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


def decide(vendor: Vendor, g: Gathered, protocol: str) -> Answer | Failure:
    if g.error is not None:
        body = json.dumps(g.error, ensure_ascii=False)
        sig = match_error(vendor, None, g.error, protocol=protocol)
        if sig is None:
            return Failure("stream_error", f"error event: {body[:300]}", body=body)
        return _answer(g, "withdrawn" if g.text.strip() else "api_block", sig.name, body)
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


__all__ = ["AdapterBase", "Gathered", "classify_http", "decide"]
