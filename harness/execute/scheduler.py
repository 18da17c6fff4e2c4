"""Running jobs concurrently: global slots, per-endpoint limits, retries, journaling.

Each endpoint gets as many workers as its concurrency limit; a request passes the endpoint's
rpm throttle, tpm bucket and adaptive gate, then takes one of the global slots (slot i always
uses the same HTTP client, see harness/calls/http.py). Retries wait outside the slot.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from asyncio_throttle import Throttler

from harness.calls.budget import Budget, worst_case
from harness.calls.http import Attempt, ClientPool, Timeouts, attempt
from harness.calls.pacing import Gate, LagMonitor, TokenBucket
from harness.calls.retry import RetryPolicy, with_retries
from harness.execute.cache import ResponseCache, cache_key
from harness.execute.jobs import Job
from harness.pricing.quote import FxRate
from harness.results.rows import attempt_rows, cached_row, response_row
from harness.results.store import RunStore
from providers import adapter_for
from providers.base import Failure


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


@dataclass(slots=True)
class Tally:
    """What the run did, for the progress display, the summary and the manifest."""

    by_model: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    failures: Counter[str] = field(default_factory=Counter)
    """Failed attempts by kind (each retried or final)."""
    cached: int = 0
    suspect: int = 0
    gates: dict[str, Gate] = field(default_factory=dict)
    lag: LagMonitor | None = None

    def add(self, model: str, row: dict) -> None:
        self.by_model[model][row["outcome"]] += 1
        self.cached += bool(row.get("cached"))
        self.suspect += bool(row.get("latency_suspect"))

    def summary(self) -> dict:
        gates = {
            k: {"cuts": g.cuts, "low": g.low, "final": g.limit, "max": g.max}
            for k, g in self.gates.items()
            if g.cuts
        }
        lag = self.lag
        return {
            "outcomes": {m: dict(c) for m, c in self.by_model.items()},
            "failed_attempts": dict(self.failures),
            "cached": self.cached,
            "latency_suspect": self.suspect,
            "adaptive": gates,
            "max_loop_lag_ms": round(lag.max_lag_s * 1000, 1) if lag else None,
        }


OnDone = Callable[[Job, dict], None]


def _tokens(job: Job) -> int:
    """Worst-case tokens of one request, for tpm pacing: ~3 characters a token, + max_tokens."""
    chars = sum(len(m["content"]) for m in job.messages)
    return chars // 3 + (job.params.max_tokens or 1024)


async def run_jobs(
    jobs: Iterable[Job],
    store: RunStore,
    *,
    limits: Limits = Limits(),
    timeouts: Timeouts = Timeouts(),
    policy: RetryPolicy = RetryPolicy(),
    fx: FxRate,
    on_done: OnDone | None = None,
    cache: ResponseCache | None = None,
    budget: Budget | None = None,
) -> Tally:
    """Run every job not already in the journal; each finished job is journaled at once."""
    done = store.done_ids()
    queues: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        if job.job_id not in done:
            queues[job.target.endpoint_key].append(job)
    tally = Tally(lag=LagMonitor(threshold_s=limits.lag_threshold_s))
    if not queues:
        return tally
    slots: asyncio.Queue[int] = asyncio.Queue()
    for i in range(limits.concurrency):
        slots.put_nowait(i)
    pool = ClientPool(limits.concurrency, timeouts)
    lag = tally.lag
    assert lag is not None

    async def finish(job: Job, row: dict, attempts: list[dict]) -> None:
        store.write_line(row, attempts)
        await store.sync()
        tally.add(job.target.ref, row)
        if on_done is not None:
            on_done(job, row)

    async def one(
        job: Job, gate: Gate, throttler: Throttler | None, bucket: TokenBucket | None
    ) -> None:
        key = cache_key(job)
        hit = cache.row_for(key) if cache is not None else None
        if hit is not None:
            await finish(job, cached_row(store.run_id, job, key, hit), [])
            return
        reserved = 0.0
        if budget is not None:
            reserved = worst_case(job, fx)
            if not budget.reserve(reserved):
                return  # over the cap: left for a resume with a higher --max-cost
        adapter = adapter_for(job.target)
        wire = adapter.build(job.target, job.messages, job.params)

        async def once() -> Attempt:
            if throttler is not None:
                async with throttler:
                    pass
            if bucket is not None:
                await bucket.take(_tokens(job))
            async with gate:
                slot = await slots.get()
                try:
                    start = time.perf_counter()
                    att = await attempt(
                        pool.client(slot), adapter, job.target, wire, timeouts.deadline_s
                    )
                finally:
                    slots.put_nowait(slot)
            att.suspect = lag.suspect_since(start)
            failed = att.result if isinstance(att.result, Failure) else None
            if failed is not None:
                tally.failures[failed.kind] += 1
            gate.feedback(failed is not None and failed.kind == "rate_limit")
            return att

        attempts = await with_retries(policy, once)
        row = response_row(store.run_id, job, wire, attempts, fx, key)
        if budget is not None:
            budget.settle(reserved, row.get("cost_usd"))
        await finish(job, row, attempt_rows(store.run_id, job, attempts))

    async def worker(
        it: Iterator[Job], gate: Gate, throttler: Throttler | None, bucket: TokenBucket | None
    ) -> None:
        for job in it:
            await one(job, gate, throttler, bucket)

    tasks = []
    for endpoint, queue in queues.items():
        vendor = queue[0].target.vendor
        width = min(limits.endpoint_concurrency or vendor.limits.concurrency, limits.concurrency)
        gate = tally.gates[endpoint] = Gate(width)
        rpm = limits.rpm or vendor.limits.rpm
        tpm = limits.tpm or vendor.limits.tpm
        throttler = Throttler(rate_limit=rpm, period=60.0) if rpm else None
        bucket = TokenBucket(tpm) if tpm else None
        it = iter(queue)
        tasks.extend(
            asyncio.create_task(worker(it, gate, throttler, bucket))
            for _ in range(min(width, len(queue)))
        )
    monitor = asyncio.create_task(lag.run())
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in [*tasks, monitor]:
            task.cancel()
        await asyncio.gather(*tasks, monitor, return_exceptions=True)
        await pool.aclose()
    return tally


__all__ = ["Limits", "Tally", "run_jobs"]
