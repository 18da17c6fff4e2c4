"""Limits a call passes before it is sent: global slots, and each endpoint's own lane.

An endpoint (`vendor@endpoint`) gets one `Lane`: its concurrency limit (the catalog's, or
`--endpoint-concurrency`), adapted under 429s by a `Gate`; its requests-per-minute throttle;
its tokens-per-minute bucket. Benchmark jobs, judges and checks calling one endpoint share its
lane, so a judge cannot push a vendor past the limits the benchmark respects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from asyncio_throttle import Throttler

from harness.calls.pacing import Gate, TokenBucket
from providers.base import Target

MAX_SLOTS = 1024
"""The most requests one process keeps in flight, whatever `--concurrency` asks. Each one holds
a socket, and Linux allows a process 1,024 open files by default; one event loop saturates its
core at a few hundred requests a second long before that (benchmarks/throughput.py), so more
slots would only queue inside bench, and `--concurrency 99999999` would otherwise allocate a
slot and an eighth of an HTTP client for each one."""


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
        return min(own, self.concurrency, MAX_SLOTS)

    def notices(self, targets: Iterable[Target]) -> list[str]:
        """Where a limit holds the run below what `--concurrency` asked: nothing silent. One
        line each, said at the start of the run and kept in its summary. Endpoint limits count
        only when together they allow fewer requests in flight than asked."""
        out = []
        asked = min(self.concurrency, MAX_SLOTS)
        if self.concurrency > MAX_SLOTS:
            out.append(f"--concurrency {self.concurrency} capped at {MAX_SLOTS} requests in flight")
        widths = {t.endpoint_key: self.width(t) for t in targets}
        if sum(widths.values()) < asked:
            shown = ", ".join(f"{k} {w}" for k, w in sorted(widths.items()))
            source = "--endpoint-concurrency" if self.endpoint_concurrency else "catalog limits"
            out.append(
                f"at most {sum(widths.values())} requests in flight, not --concurrency {asked}: "
                f"per endpoint {shown} ({source}; raise with --endpoint-concurrency N)"
            )
        return out


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


__all__ = ["MAX_SLOTS", "Lane", "Limits"]
