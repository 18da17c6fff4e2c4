"""Bounded retries for transport failures only (tenacity), honouring Retry-After.

Moderation blocks and other 4xx are results and are never retried. The wait happens outside
the concurrency slot, so a job sleeping on a 429 does not hold a connection.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt

from harness.calls.http import Attempt
from providers.base import Failure


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_s: float = 0.5
    cap_s: float = 8.0
    """Longest self-chosen backoff; a vendor's own Retry-After may ask for longer (≤120 s)."""


def _needs_retry(att: Attempt) -> bool:
    return isinstance(att.result, Failure) and att.result.retryable


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        att = state.outcome.result() if state.outcome else None
        if (
            att is not None
            and isinstance(att.result, Failure)
            and att.result.retry_after is not None
        ):
            return att.result.retry_after
        backoff = min(policy.base_s * 2 ** (state.attempt_number - 1), policy.cap_s)
        return backoff * (1 + 0.25 * random.random())

    return wait


async def with_retries(
    policy: RetryPolicy, once: Callable[[], Awaitable[Attempt]]
) -> list[Attempt]:
    """Run `once` until it succeeds, fails for good, or the bound is hit; every attempt kept."""
    attempts: list[Attempt] = []

    async def record() -> Attempt:
        att = await once()
        attempts.append(att)
        return att

    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts),
        wait=_wait(policy),
        retry=retry_if_result(_needs_retry),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    await retrying(record)
    return attempts


__all__ = ["RetryPolicy", "with_retries"]
