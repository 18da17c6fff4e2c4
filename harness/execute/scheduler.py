"""Running a run's jobs concurrently through the Caller, each journaled as it lands.

Each endpoint gets as many workers as its concurrency limit (never more than it has jobs, nor
than the Caller has slots), each taking the endpoint's next job, so no more tasks exist than
can be in flight; the Caller does the rest (limits, retries, budget, journal). A job already in
the journal is never sent again; a job an earlier run of the store answered is served from the
cache when asked. No job can end the run: an exception bench raises around one is journaled as
that job's `internal` failure, and the workers go on.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from harness.calls.caller import Call, Caller, crash_message
from harness.execute.cache import ResponseCache, cache_key
from harness.execute.jobs import Job
from harness.execute.rows import cached_row, failed_row, response_row
from harness.results.manifest import GateSummary, RunSummary
from harness.results.records import ResponseRow


@dataclass(slots=True)
class Tally:
    """What the run did, for the progress display, the summary and the manifest."""

    by_model: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    cached: int = 0
    suspect: int = 0
    notices: list[str] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)
    """Requests sent per endpoint (every attempt), for the manifest's data-flow ledger."""
    sent_bytes: Counter[str] = field(default_factory=Counter)
    """Prompt bytes (system + user, UTF-8) sent per endpoint, every attempt counted."""

    def add(self, model: str, row: ResponseRow) -> None:
        self.by_model[model][row.outcome] += 1
        endpoint = f"{row.vendor}@{row.endpoint}"
        self.sent[endpoint] += row.attempts
        self.sent_bytes[endpoint] += row.attempts * len((row.prompt + (row.system or "")).encode())
        self.cached += bool(row.cached)
        self.suspect += bool(row.latency_suspect)

    def summary(self, caller: Caller | None) -> RunSummary:
        out = RunSummary(
            outcomes={m: dict(c) for m, c in self.by_model.items()},
            cached=self.cached,
            latency_suspect=self.suspect,
            notices=self.notices,
        )
        if caller is not None:
            out.failed_attempts = dict(caller.failures)
            out.adaptive = {
                k: GateSummary(cuts=g.cuts, low=g.low, final=g.limit, max=g.max)
                for k, lane in caller.lanes.items()
                if (g := lane.gate).cuts
            }
            out.max_loop_lag_ms = round(caller.lag.max_lag_s * 1000, 1)
        return out


OnDone = Callable[[Job, ResponseRow], None]


def job_call(job: Job) -> Call:
    return Call(job.target, job.messages, job.params, job.job_id, "bench", job.item.lang)


async def run_jobs(
    jobs: Iterable[Job],
    caller: Caller,
    tally: Tally,
    *,
    done: set[str] = frozenset(),  # type: ignore[assignment]
    on_done: OnDone | None = None,
    cache: ResponseCache | None = None,
) -> Tally:
    """Run every job whose id is not in `done`; each finished job is journaled at once."""
    queues: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        if job.job_id not in done:
            queues[job.target.endpoint_key].append(job)
    run_id = caller.run_id

    async def answer(job: Job) -> ResponseRow | None:
        key = cache_key(job)
        hit = cache.row_for(key) if cache is not None else None
        if hit is not None:
            row = cached_row(run_id, job, key, hit)
            await caller.record(row)
            return row
        called = await caller.call(job_call(job), lambda c: response_row(run_id, job, c, key))
        # None: over the budget, left for a resume with a higher --max-cost
        return None if called is None else called.row

    async def one(job: Job) -> None:
        try:
            row = await answer(job)
        except Exception as exc:  # the Caller journals its own; this is a failure around it
            caller.failures["internal"] += 1
            row = failed_row(run_id, job, None, "internal", crash_message(exc, job.target))
            await caller.record(row)
        if row is None:
            return
        tally.add(job.target.ref, row)
        if on_done is not None:
            try:
                on_done(job, row)
            except Exception:  # the display failing is no reason to stop paying for answers
                caller.failures["internal"] += 1

    async def worker(it: Iterator[Job]) -> None:
        for job in it:
            await one(job)

    tasks = []
    for queue in queues.values():
        it = iter(queue)
        width = min(caller.limits.width(queue[0].target), caller.slots, len(queue))
        tasks.extend(asyncio.create_task(worker(it)) for _ in range(width))
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return tally


__all__ = ["OnDone", "Tally", "job_call", "run_jobs"]
