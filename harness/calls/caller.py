"""The one path every model call takes: benchmark jobs, judges and provider checks.

A call reserves its worst case in the budget (when there is one), waits for its endpoint's
lane (rpm, tpm, adaptive concurrency; see limits.py), takes one of the global slots only while
it is in flight (slot i always uses the same HTTP client, see http.py), is retried on
transport failures only (retry.py), is priced, and ends as one journal line, written and
fsync'd before anyone else learns of the result. So judge attempts are limited, retried,
budgeted and recorded exactly as benchmark attempts are.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from harness.calls import tokens
from harness.calls.budget import Budget, worst_case
from harness.calls.http import Attempt, ClientPool, Timeouts, attempt
from harness.calls.limits import MAX_SLOTS, Lane, Limits
from harness.calls.pacing import LagMonitor
from harness.calls.retry import RetryPolicy, with_retries
from harness.pricing.fx import FxRate
from harness.pricing.quote import Quote, quote
from harness.results.records import AttemptRow, JournalRecord, Purpose, ResponseRow
from providers import adapter_for
from providers.base import Answer, Failure, Params, Target, WireRequest


class JournalSink(Protocol):
    """Where finished calls are recorded (a run's journal)."""

    def write(self, record: JournalRecord) -> None: ...

    async def sync(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Call:
    """One model call as asked: whom, what, and on whose behalf."""

    target: Target
    messages: list[dict[str, str]]
    params: Params
    job_id: str
    """The job served; for a judge, the job whose answer it grades."""
    purpose: Purpose = "bench"
    lang: str = "en"
    """Language of the prompt, for the token estimate."""


@dataclass(slots=True)
class Called:
    """A finished call: the request sent, every attempt, and the final answer's price."""

    call: Call
    wire: WireRequest
    attempts: list[Attempt]
    quote: Quote | None
    row: ResponseRow | None = None
    """The response row journaled with the attempts (benchmark jobs)."""

    @property
    def result(self) -> Answer | Failure:
        return self.attempts[-1].result


RowFor = Callable[[Called], ResponseRow]

UNSENT = WireRequest("POST", "", {}, {}, False)
"""The request of a call that failed inside bench before one could be built."""


def crash_message(exc: BaseException, target: Target) -> str:
    """An unexpected exception as one short line: its type and message, with the target's key
    blanked should the message quote it (request headers are never included)."""
    try:
        text = str(exc)
    except Exception:  # a message that cannot be printed is left out
        text = ""
    key = target.api_key.reveal()
    if key:
        text = text.replace(key, "***")
    text = " ".join(text.split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _readings(start: float, att: Attempt) -> tuple[float, ...]:
    """The perf_counter() times an attempt read the clock at: its end, and its first tokens."""
    return tuple(start + s for s in (att.e2e_s, att.ttft_s, att.ttfat_s) if s is not None)


class Caller:
    """Owns the HTTP clients, limits, retries, budget and journal of one process's calls.

    Use as `async with Caller(...) as caller:`; `call()` may be awaited concurrently.
    """

    def __init__(
        self,
        *,
        fx: FxRate,
        limits: Limits = Limits(),
        timeouts: Timeouts = Timeouts(),
        policy: RetryPolicy = RetryPolicy(),
        budget: Budget | None = None,
        journal: JournalSink | None = None,
        run_id: str = "",
    ) -> None:
        self.fx, self.limits, self.timeouts, self.policy = fx, limits, timeouts, policy
        self.budget, self.journal, self.run_id = budget, journal, run_id
        self.lanes: dict[str, Lane] = {}
        self.failures: Counter[str] = Counter()
        """Failed attempts by kind (each retried or final)."""
        self.spent_usd = 0.0
        """USD of the answers this caller received (unpriced answers add nothing)."""
        self.unpriced = 0
        """Answers received from a model with no price."""
        self.lag = LagMonitor(threshold_s=limits.lag_threshold_s)
        self.slots = max(1, min(limits.concurrency, MAX_SLOTS))
        """Requests in flight at once: `--concurrency`, capped at MAX_SLOTS."""
        self._slots: asyncio.Queue[int] = asyncio.Queue()
        self._pool: ClientPool | None = None
        self._monitor: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Caller:
        for i in range(self.slots):
            self._slots.put_nowait(i)
        self._pool = ClientPool(self.slots, self.timeouts)
        self._monitor = asyncio.create_task(self.lag.run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._monitor is not None:
            self._monitor.cancel()
            await asyncio.gather(self._monitor, return_exceptions=True)
        if self._pool is not None:
            await self._pool.aclose()

    def lane(self, target: Target) -> Lane:
        lane = self.lanes.get(target.endpoint_key)
        if lane is None:
            lane = self.lanes[target.endpoint_key] = Lane.for_target(target, self.limits)
        return lane

    async def call(self, call: Call, row_for: RowFor | None = None) -> Called | None:
        """Send one call; None when the budget cannot cover its worst case (nothing sent).

        `row_for` turns the finished call into its response row, journaled with its attempts.
        An exception raised by bench while handling the call (a parser, pricing, the row)
        becomes an `internal` failure of that call, journaled like any other, so one job's bug
        cannot end a run; only the journal failing to take the line is let through.
        """
        reserved = 0.0
        if self.budget is not None:
            reserved = worst_case(call.target, call.messages, call.params, self.fx)
            if not self.budget.reserve(reserved):
                return None
        try:
            called = await self._send(call)
        except Exception as exc:  # failed before any attempt could be kept
            now = time.time()
            called = Called(call, UNSENT, [Attempt(self._internal(call, exc), now, 0.0)], None)
        try:
            called.quote = self._price(call.target, called.attempts[-1])
            called.row = row_for(called) if row_for is not None else None
        except Exception as exc:  # pricing or the row raised: the job failed
            called.attempts[-1].result = self._internal(call, exc)
            called.row = self._failed_row(called, row_for)
        if called.quote is not None:
            self.spent_usd += called.quote.cost_usd
        elif isinstance(called.result, Answer):
            self.unpriced += 1
        if self.budget is not None:
            self.budget.settle(reserved, called.quote.cost_usd if called.quote else None)
        await self.record(called.row, self._attempt_rows(called))
        return called

    @staticmethod
    def _failed_row(called: Called, row_for: RowFor | None) -> ResponseRow | None:
        """The row of a call whose last attempt became an internal failure; None (the attempts
        journaled alone, the job left for a resume) should even that row not build."""
        try:
            return row_for(called) if row_for is not None else None
        except Exception:  # even the failure's own row
            return None

    def _internal(self, call: Call, exc: BaseException) -> Failure:
        """An exception bench raised handling `call`, as its failure (counted, never retried)."""
        self.failures["internal"] += 1
        return Failure("internal", crash_message(exc, call.target))

    async def _send(self, call: Call) -> Called:
        """The request, paced by the endpoint's lane, sent and retried; every attempt kept."""
        adapter = adapter_for(call.target)
        wire = adapter.build(call.target, call.messages, call.params)
        lane = self.lane(call.target)
        charge = (
            tokens.estimate(call.messages, call.lang)[0] + (call.params.max_tokens or 1024)
            if lane.bucket is not None
            else 0
        )

        async def once() -> Attempt:
            await lane.pace(charge)
            async with lane.gate:
                assert self._pool is not None, "use the Caller as an async context manager"
                slot = await self._slots.get()
                started, start = time.time(), time.perf_counter()
                try:
                    client, deadline = self._pool.client(slot), self.timeouts.deadline_s
                    att = await attempt(client, adapter, call.target, wire, deadline)
                except Exception as exc:  # e.g. a parser raising on a reply
                    failure = self._internal(call, exc)
                    att = Attempt(failure, started, time.perf_counter() - start)
                finally:
                    self._slots.put_nowait(slot)
            att.suspect = self.lag.suspect_at(start, *_readings(start, att))
            failed = att.result if isinstance(att.result, Failure) else None
            if failed is not None and failed.kind != "internal":
                self.failures[failed.kind] += 1
            lane.gate.feedback(failed is not None and failed.kind == "rate_limit")
            return att

        return Called(call, wire, await with_retries(self.policy, once), None)

    async def record(self, row: ResponseRow | None, attempts: tuple[AttemptRow, ...] = ()) -> None:
        """Journal a finished call (or a row served without one, e.g. from the cache)."""
        if self.journal is not None:
            self.journal.write(JournalRecord(row, attempts))
            await self.journal.sync()

    def _price(self, target: Target, last: Attempt) -> Quote | None:
        res = last.result
        if not isinstance(res, Answer):
            return None
        at = datetime.fromtimestamp(last.started_at, UTC)
        return quote(target.vendor, target.model, res.model_reported, res.usage, at, self.fx)

    def _attempt_rows(self, called: Called) -> tuple[AttemptRow, ...]:
        c, t = called.call, called.call.target
        last = len(called.attempts)
        rows = []
        for n, att in enumerate(called.attempts, 1):
            failure = att.result if isinstance(att.result, Failure) else None
            cost = called.quote.cost_usd if n == last and called.quote is not None else None
            rows.append(
                AttemptRow(
                    run_id=self.run_id,
                    job_id=c.job_id,
                    attempt=n,
                    vendor=t.vendor.id,
                    endpoint=t.endpoint_id,
                    model=t.ref,
                    started_at=att.started_at,
                    status=att.status,
                    kind=failure.kind if failure else "ok",
                    message=failure.message if failure else None,
                    retry_after_s=failure.retry_after if failure else None,
                    e2e_s=att.e2e_s,
                    ttft_s=att.ttft_s,
                    purpose=c.purpose,
                    cost_usd=cost,
                )
            )
        return tuple(rows)


__all__ = ["MAX_SLOTS", "Call", "Called", "Caller", "JournalSink", "RowFor", "crash_message"]
