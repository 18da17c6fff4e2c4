"""Pacing a run: per-endpoint adaptive concurrency, tokens per minute, event-loop lag.

- `Gate`: an endpoint's concurrency limit that halves under sustained 429s (at most once a
  second) and grows back by one after a limit's worth of successes (AIMD). Only rate limits
  shrink it; other failures say nothing about the vendor's capacity.
- `TokenBucket`: tokens per minute, charged with each request's estimated tokens.
- `LagMonitor`: how late the event loop wakes up. Latency measured while our own loop was
  busy includes our queueing, not only the vendor's; such rows are flagged latency_suspect.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


class Gate:
    def __init__(self, limit: int) -> None:
        self.max = self.limit = self.low = limit
        self.inflight = 0
        self.cuts = 0
        self._ok = 0
        self._last_cut = 0.0
        self._cond = asyncio.Condition()

    async def __aenter__(self) -> Gate:
        async with self._cond:
            await self._cond.wait_for(lambda: self.inflight < self.limit)
            self.inflight += 1
        return self

    async def __aexit__(self, *exc: object) -> None:
        async with self._cond:
            self.inflight -= 1
            self._cond.notify()

    def feedback(self, rate_limited: bool) -> None:
        if rate_limited:
            now = time.monotonic()
            self._ok = 0
            if now - self._last_cut >= 1.0 and self.limit > 1:
                self.limit = max(1, self.limit // 2)
                self.low = min(self.low, self.limit)
                self.cuts += 1
                self._last_cut = now
            return
        self._ok += 1
        if self.limit < self.max and self._ok >= self.limit:
            self.limit += 1
            self._ok = 0
            asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        async with self._cond:
            self._cond.notify_all()


class TokenBucket:
    """At most `per_minute` tokens a minute; a request larger than the bucket waits for it full."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.tokens = float(per_minute)
        self.rate = per_minute / 60.0
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self, n: int) -> None:
        need = min(float(n), self.capacity)
        async with self._lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self.tokens >= need:
                    self.tokens -= need
                    return
                await asyncio.sleep((need - self.tokens) / self.rate)


@dataclass(slots=True)
class LagMonitor:
    """Samples loop lag every `interval_s`; remembers when it last exceeded the threshold."""

    threshold_s: float = 0.02
    interval_s: float = 0.025
    max_lag_s: float = 0.0
    last_high: float = -1.0
    """perf_counter() of the last sample above the threshold."""
    high_samples: int = 0
    samples: int = 0

    async def run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.interval_s)
            lag = time.perf_counter() - before - self.interval_s
            self.samples += 1
            self.max_lag_s = max(self.max_lag_s, lag)
            if lag > self.threshold_s:
                self.high_samples += 1
                self.last_high = time.perf_counter()

    def suspect_since(self, start: float) -> bool:
        """True when the loop lagged past the threshold at any point after `start`."""
        return self.last_high >= start


__all__ = ["Gate", "LagMonitor", "TokenBucket"]
