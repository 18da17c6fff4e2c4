"""Pacing a run: per-endpoint adaptive concurrency, tokens per minute, event-loop lag.

- `Gate`: an endpoint's concurrency limit that halves under sustained 429s (at most once a
  second) and grows back by one after a limit's worth of successes (AIMD). Only rate limits
  shrink it; other failures say nothing about the vendor's capacity.
- `TokenBucket`: tokens per minute, charged with each request's estimated tokens.
- `LagMonitor`: how late the event loop wakes up. A latency read while our own loop was
  behind includes our queueing, not only the vendor's; such rows are flagged latency_suspect.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field


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


KEPT_SPANS = 50_000
"""Late spans remembered (~6 MB; at one per 25 ms of constant lag, 20 minutes of it); an
attempt older than the oldest kept is suspect once any was dropped."""
INF = float("inf")


@dataclass(slots=True)
class LagMonitor:
    """Samples how late the loop wakes every `interval_s`, and keeps the spans of time during
    which it may have run later than `threshold_s`.

    A sample that wakes `lag` late says the loop fell behind at some point since the previous
    sample woke; the backlog is worked off after this wake, and is gone by the time a sample
    wakes within the threshold. So a clock reading taken from the previous sample's wake to the
    next sample's may include our own queueing past the threshold: that span is kept (open
    until the next sample wakes). A reading outside every span was taken while the loop kept
    up within the threshold. Sampling every 5 ms keeps the spans tight for ~0.3% of a core.
    """

    threshold_s: float = 0.02
    interval_s: float = 0.005
    max_lag_s: float = 0.0
    high_samples: int = 0
    samples: int = 0
    spans: deque[list[float]] = field(default_factory=lambda: deque(maxlen=KEPT_SPANS))
    """[from, to] in perf_counter() seconds, oldest first; the last one's `to` is infinite
    until the sample after it wakes."""
    dropped: bool = False

    async def run(self) -> None:
        before = time.perf_counter()
        while True:
            await asyncio.sleep(self.interval_s)
            now = time.perf_counter()
            lag = now - before - self.interval_s
            self.samples += 1
            self.max_lag_s = max(self.max_lag_s, lag)
            if self.spans and self.spans[-1][1] == INF:
                self.spans[-1][1] = now
            if lag > self.threshold_s:
                self.high_samples += 1
                self.dropped |= len(self.spans) == KEPT_SPANS
                self.spans.append([before, INF])
            before = now

    def suspect_at(self, *readings: float) -> bool:
        """True when any of these perf_counter() readings (an attempt's start, first tokens,
        end) fell in a span where the loop may have been late past the threshold."""
        first = min(readings)
        if self.dropped and (not self.spans or first < self.spans[0][0]):
            return True
        for lo, hi in reversed(self.spans):
            if hi < first:
                return False
            if any(lo <= t <= hi for t in readings):
                return True
        return False


__all__ = ["Gate", "LagMonitor", "TokenBucket"]
