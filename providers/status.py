"""Turning a non-success HTTP status into a typed failure, the same for every protocol."""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections.abc import Mapping

from providers.base import Failure, FailureKind
from providers.moderation import error_fields

MAX_RETRY_AFTER_S = 120.0


def _seconds(value: str, scale: float = 1.0) -> float | None:
    """A header's number of seconds, or None when it is not one a wait can use: `nan`, `inf`
    and negative values are ignored (they would stall or break the retry loop), not clamped."""
    try:
        seconds = float(value) / scale
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER_S)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from `retry-after-ms` or `retry-after` (seconds or an HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        wait = _seconds(ms, 1000.0)
        if wait is not None:
            return wait
    value = headers.get("retry-after")
    if not value:
        return None
    wait = _seconds(value)
    if wait is not None:
        return wait
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(when - time.time(), 0.0), MAX_RETRY_AFTER_S)


def _kind(status: int) -> FailureKind:
    if status == 429:
        return "rate_limit"
    if status == 529:
        return "overloaded"
    if status in (408, 409) or status >= 500:
        return "server"
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "not_found"
    return "bad_request"


_RETRY_DELAY = re.compile(rb'"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"')


def _body_retry_delay(body: bytes) -> float | None:
    """google.rpc.RetryInfo in an error body (`"retryDelay": "7s"`), when no header says."""
    m = _RETRY_DELAY.search(body)
    return min(float(m.group(1)), MAX_RETRY_AFTER_S) if m else None


def failure_for_status(status: int, body: bytes, headers: Mapping[str, str]) -> Failure:
    _, message = error_fields(body)
    wait = retry_after(headers)
    return Failure(
        kind=_kind(status),
        message=f"HTTP {status}: {message[:300]}",
        status=status,
        retry_after=wait if wait is not None else _body_retry_delay(body),
        body=body.decode("utf-8", "replace")[:20000],
    )


__all__ = ["MAX_RETRY_AFTER_S", "failure_for_status", "retry_after"]
