"""Bounded retries for transport failures only, honouring Retry-After.

Moderation blocks and other 4xx are results and are never retried. The wait happens outside
the concurrency slot, so a job sleeping on a 429 does not hold a connection. A plain loop,
not tenacity: its machinery cost ~4% of a streamed request's CPU, for every call, though
nearly all of them succeed at once.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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


def delay(policy: RetryPolicy, failed: Attempt, number: int) -> float:
    """Seconds to wait after attempt `number` (from 1) failed: the vendor's Retry-After when it
    sent one, else exponential backoff with up to 25% jitter, capped."""
    if isinstance(failed.result, Failure) and failed.result.retry_after is not None:
        return failed.result.retry_after
    backoff = min(policy.base_s * 2 ** (number - 1), policy.cap_s)
    return backoff * (1 + 0.25 * random.random())


async def with_retries(
    policy: RetryPolicy, once: Callable[[], Awaitable[Attempt]]
) -> list[Attempt]:
    """Run `once` until it succeeds, fails for good, or the bound is hit; every attempt kept."""
    attempts: list[Attempt] = []
    for number in range(1, max(1, policy.max_attempts) + 1):
        att = await once()
        attempts.append(att)
        if not _needs_retry(att) or number >= policy.max_attempts:
            break
        await asyncio.sleep(delay(policy, att, number))
    return attempts


__all__ = ["RetryPolicy", "delay", "with_retries"]
