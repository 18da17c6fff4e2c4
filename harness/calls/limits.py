"""Limits a call passes before it is sent: global slots, and each endpoint's own lane.

An endpoint (`vendor@endpoint`) gets one `Lane`: its concurrency limit (the catalog's, or
`--endpoint-concurrency`), adapted under 429s by a `Gate`; its requests-per-minute throttle;
its tokens-per-minute bucket. Benchmark jobs, judges and checks calling one endpoint share its
lane, so a judge cannot push a vendor past the limits the benchmark respects.
"""

from __future__ import annotations

from dataclasses import dataclass

from asyncio_throttle import Throttler

from harness.calls.pacing import Gate, TokenBucket
from providers.base import Target


@dataclass(frozen=True, slots=True)
class Limits:
    concurrency: int = 32
    """Requests in flight across all endpoints."""
    endpoint_concurrency: int | None = None
    """Overrides every endpoint's catalog concurrency."""
    rpm: int | None = None
    """Overrides every endpoint's catalog requests-per-minute."""
    tpm: int | None = None
    """Overrides every endpoint's catalog tokens-per-minute."""
    lag_threshold_s: float = 0.02
    """Event-loop lag above which a row's latency is flagged latency_suspect."""

    def width(self, target: Target) -> int:
        """How many requests one endpoint may have in flight."""
        own = self.endpoint_concurrency or target.vendor.limits.concurrency
        return min(own, self.concurrency)


@dataclass(slots=True)
class Lane:
    gate: Gate
    throttler: Throttler | None
    bucket: TokenBucket | None

    @classmethod
    def for_target(cls, target: Target, limits: Limits) -> Lane:
        vendor = target.vendor
        rpm = limits.rpm or vendor.limits.rpm
        tpm = limits.tpm or vendor.limits.tpm
        return cls(
            Gate(limits.width(target)),
            Throttler(rate_limit=rpm, period=60.0) if rpm else None,
            TokenBucket(tpm) if tpm else None,
        )

    async def pace(self, tokens: int) -> None:
        """Wait for the rpm throttle and the tpm bucket (the gate is taken around the send)."""
        if self.throttler is not None:
            async with self.throttler:
                pass
        if self.bucket is not None:
            await self.bucket.take(tokens)


__all__ = ["Lane", "Limits"]
