"""Running jobs concurrently: global and per-endpoint limits, retries, journaling.

Each endpoint gets as many workers as its concurrency limit; a request also needs one of the
global slots, and slot i always uses the same HTTP client (see harness/http.py).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from asyncio_throttle import Throttler

from harness.http import Attempt, ClientPool, Timeouts, attempt
from harness.jobs import Job
from harness.pricing import FxRate
from harness.retry import RetryPolicy, with_retries
from harness.rows import attempt_rows, response_row
from harness.store import RunStore
from providers import adapter_for


@dataclass(frozen=True, slots=True)
class Limits:
    concurrency: int = 32
    """Requests in flight across all endpoints."""
    endpoint_concurrency: int | None = None
    """Overrides every endpoint's catalog concurrency."""
    rpm: int | None = None
    """Overrides every endpoint's catalog requests-per-minute."""


@dataclass(slots=True)
class Tally:
    """Per-model outcome counts, for the progress display and the run summary."""

    by_model: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )

    def add(self, model: str, outcome: str) -> None:
        self.by_model[model][outcome] += 1


OnDone = Callable[[Job, dict], None]


async def run_jobs(
    jobs: Iterable[Job],
    store: RunStore,
    *,
    limits: Limits = Limits(),
    timeouts: Timeouts = Timeouts(),
    policy: RetryPolicy = RetryPolicy(),
    fx: FxRate,
    on_done: OnDone | None = None,
) -> Tally:
    """Run every job not already in the journal; each finished job is journaled at once."""
    done = store.done_ids()
    queues: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        if job.job_id not in done:
            queues[job.target.endpoint_key].append(job)
    tally = Tally()
    if not queues:
        return tally
    slots: asyncio.Queue[int] = asyncio.Queue()
    for i in range(limits.concurrency):
        slots.put_nowait(i)
    pool = ClientPool(limits.concurrency, timeouts)

    async def one(job: Job, throttler: Throttler | None) -> None:
        adapter = adapter_for(job.target)
        wire = adapter.build(job.target, job.messages, job.params)

        async def once() -> Attempt:
            if throttler is not None:
                async with throttler:
                    pass
            slot = await slots.get()
            try:
                return await attempt(
                    pool.client(slot), adapter, job.target, wire, timeouts.deadline_s
                )
            finally:
                slots.put_nowait(slot)

        attempts = await with_retries(policy, once)
        row = response_row(store.run_id, job, wire, attempts, fx)
        store.append(row, attempt_rows(store.run_id, job, attempts))
        tally.add(job.target.ref, row["outcome"])
        if on_done is not None:
            on_done(job, row)

    async def worker(it, throttler: Throttler | None) -> None:
        for job in it:
            await one(job, throttler)

    tasks = []
    for queue in queues.values():
        vendor = queue[0].target.vendor
        width = min(
            limits.endpoint_concurrency or vendor.limits.concurrency, limits.concurrency, len(queue)
        )
        rpm = limits.rpm or vendor.limits.rpm
        throttler = Throttler(rate_limit=rpm, period=60.0) if rpm else None
        it = iter(queue)
        tasks.extend(asyncio.create_task(worker(it, throttler)) for _ in range(width))
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await pool.aclose()
    return tally


__all__ = ["Limits", "Tally", "run_jobs"]
