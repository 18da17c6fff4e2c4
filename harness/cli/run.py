"""`bench run`: send a suite to models, record the answers, grade them.

SIGTERM (a scheduler or `kill` stopping the job) ends a run exactly as Ctrl-C does: finished
jobs are kept, the Parquet is written, the manifest says `interrupted`, and the command prints
how to resume.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

import typer
from rich.table import Table

from harness.calls.http import Timeouts
from harness.calls.limits import Limits
from harness.calls.retry import RetryPolicy
from harness.cli import options as o
from harness.cli import show
from harness.cli.options import err, out
from harness.cli.progress import RunProgress
from harness.errors import ConfigError
from harness.execute.plan import RunOptions
from harness.execute.run import OnStart, RunResult, execute


def run(
    suite: o.SuiteArg = None,
    model: o.Models = None,
    repeat: o.Repeat = None,
    concurrency: o.Concurrency = 32,
    endpoint_concurrency: o.EndpointConcurrency = None,
    rpm: o.Rpm = None,
    results: o.Results = None,
    run_id: o.RunId = None,
    simulate: o.Simulate = False,
    resume: o.Resume = None,
    overwrite: o.Overwrite = False,
    timeout: o.Timeout = 120.0,
    deadline: o.Deadline = 600.0,
    max_attempts: o.MaxAttempts = 5,
    progress: o.Progress = True,
    grade: o.Grade = True,
    judge: o.Judges = None,
    judge_all: o.JudgeAll = False,
    tpm: o.Tpm = None,
    cache: o.Cache = False,
    shard: o.Shard = None,
    max_cost: o.MaxCost = None,
    dry_run: o.DryRun = False,
    lag_threshold_ms: o.LagThreshold = 20.0,
    data_policy: o.DataPolicy = None,
    family: o.FamilyOpt = None,
    hosts: o.HostsOpt = None,
) -> None:
    """Send every suite item to every model and record the answers as Parquet."""
    opts = RunOptions(
        suite_path=suite,
        models=list(model or []),
        repeat=repeat,
        results=results,
        run_id=run_id,
        resume=resume,
        simulate=simulate,
        overwrite=overwrite,
        limits=Limits(concurrency, endpoint_concurrency, rpm, tpm, lag_threshold_ms / 1000),
        shard=parse_shard(shard),
        cache=cache,
        max_cost=max_cost,
        data_policy=data_policy,
        family=family,
        hosts=None if hosts is None else [h.strip() for h in hosts.split(",") if h.strip()],
        timeouts=Timeouts(read_s=timeout, deadline_s=deadline),
        policy=RetryPolicy(max_attempts=max_attempts),
    )
    if dry_run:
        print_plan(opts)
        return
    with _term_as_interrupt():
        result = _execute(opts, progress)
        if grade and result.rows:
            _grade(result, judge or [], judge_all)
    _said(result)


def _said(result: RunResult) -> None:
    """What the run did, and how to go on when it did not finish."""
    m = result.manifest
    sim = " (SIMULATED)" if m.simulated else ""
    out.print(f"run {m.run_id}{sim}: {result.rows} of {m.jobs} jobs recorded, status {m.status}")
    if m.summary is not None:
        show.run_summary(m.summary)
    out.print(f"results: {result.store.dir}")
    if m.status != "finished":
        out.print(f"resume with: bench run --resume {m.run_id}")


@contextlib.contextmanager
def _term_as_interrupt() -> Iterator[None]:
    """While the command runs, SIGTERM does what Ctrl-C does (inside the event loop that is
    asyncio's graceful cancel; elsewhere a KeyboardInterrupt)."""

    def handler(signum: int, frame: object) -> None:
        current = signal.getsignal(signal.SIGINT)
        if callable(current):
            current(signal.SIGINT, frame)
        else:  # (SIGINT ignored, e.g. a background job of a script)
            raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # (not the main thread: signals are not ours to handle)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _grade(result: RunResult, judges: list[str], judge_all: bool) -> None:
    """Grade the run's answers; an interrupt here loses nothing paid for (say how to go on)."""
    from harness.grading.grade import grade_run  # (pandas only when grading)

    try:
        show.grades(grade_run(result.store, None, judges, judge_all), judge_all)
    except KeyboardInterrupt:
        err.print(
            f"interrupted while grading; the answers are saved. Grade them with: "
            f"bench grade {result.store.run_id}"
            + (f" --results {result.store.root}" if result.store.root != "results" else "")
        )
        raise typer.Exit(130) from None


def _execute(opts: RunOptions, progress: bool) -> RunResult:
    """The run, with the live display when stderr is a terminal; Ctrl-C says how to resume."""
    display = RunProgress(err) if progress and err.is_terminal else None

    def on_start(jobs, done, notices):  # type: ignore[no-untyped-def]
        for line in notices:
            err.print(f"note: {line}", markup=False, highlight=False)
        if display is None:
            err.print(f"{len(jobs)} jobs, {len(done)} already recorded")
            return None
        return display.start(jobs, done).done

    start: OnStart = on_start
    try:
        return execute(opts, start)
    except KeyboardInterrupt:
        if display:
            display.stop()
        rid = opts.resume or opts.run_id or "<run id>"
        err.print(
            f"interrupted; finished jobs are saved. Resume with: bench run --resume {rid}"
            + (f" --results {opts.results}" if opts.results else "")
        )
        raise typer.Exit(130) from None
    finally:
        if display:
            display.stop()


def print_plan(opts: RunOptions) -> None:
    """`--dry-run`: jobs, token estimates, a cost range and missing keys; nothing is sent."""
    from harness.execute.estimate import plan
    from harness.execute.plan import planned_jobs, policy_lines
    from harness.pricing.fx import FxRate

    fx = FxRate.from_env()
    plans = plan(planned_jobs(opts), fx)
    table = Table(title="bench run --dry-run: nothing is sent")
    heads = ("model", "jobs", "input tokens/job", "method", "cost low USD", "cost high USD", "key")
    for col in heads:
        table.add_column(col)
    low = high = 0.0
    unpriced = []
    for p in plans:
        table.add_row(
            p.ref,
            str(p.jobs),
            str(p.input_tokens // max(p.jobs, 1)),
            ", ".join(sorted(p.methods)),
            _money(p.low_usd),
            _money(p.high_usd),
            "set" if p.key_set else f"MISSING {p.key_env}",
        )
        if p.low_usd is None or p.high_usd is None:
            unpriced.append(p.ref)
        else:
            low, high = low + p.low_usd, high + p.high_usd
    out.print(table)
    out.print(
        f"total: {sum(p.jobs for p in plans)} jobs; cost {low:.4f}-{high:.4f} USD"
        + (f" plus unpriced models: {', '.join(unpriced)}" if unpriced else "")
        + f" (CNY at {fx.cny_per_usd} per USD, {fx.source})"
    )
    missing = sorted({p.key_env for p in plans if not p.key_set})
    if missing:
        out.print(f"missing keys: {', '.join(missing)}")
    for line in policy_lines(opts):
        out.print(line, markup=False, highlight=False)


def _money(v: float | None) -> str:
    return "unpriced" if v is None else f"{v:.4f}"


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ConfigError(f"--shard {text!r}: write K/N, e.g. 2/8") from None
    if not 1 <= k <= n:
        raise ConfigError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def register(app: typer.Typer) -> None:
    app.command()(run)


__all__ = ["register", "run"]
