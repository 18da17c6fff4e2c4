"""One run end to end: plan → targets → jobs → Caller → journal → Parquet → manifest.

Everything a user can get wrong (suite, model refs, keys, prices under a cap, run directory)
is checked before the first request, so a mistake costs nothing; the manifest is written
before the first request, so an interrupted run can always be resumed. However the run ends
(finished, Ctrl-C or SIGTERM, a full disk), the Parquet is rebuilt from the journal and the
manifest records how it ended, wherever the disk still allows; a second interrupt while they
are written waits until they are, so the store is never left half written.
"""

from __future__ import annotations

import contextlib
import platform
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from harness.calls import loop
from harness.calls.budget import Budget, worst_case
from harness.calls.caller import Caller
from harness.errors import ResultsError
from harness.execute.cache import ResponseCache, cache_key
from harness.execute.jobs import Job
from harness.execute.plan import RunOptions, RunPlan, data_policy, plan_run, refuse_by_policy
from harness.execute.scheduler import OnDone, Tally, run_jobs
from harness.execute.targets import resolve_targets, simulator_url
from harness.policy.model import Policy
from harness.pricing.fx import FxRate
from harness.results.manifest import EndpointInfo, FlowEntry, FxInfo, Manifest
from harness.results.schema import SCHEMA_VERSION
from harness.results.store import RunStore
from providers.base import Target

OnStart = Callable[[list[Job], set[str], list[str]], OnDone | None]
"""`on_start(jobs, done_ids, notices)`: called once the plan is known; `notices` are the lines
where a limit or the data policy changes what was asked, for the user to be told."""


@dataclass(slots=True)
class RunResult:
    store: RunStore
    manifest: Manifest
    tally: Tally
    rows: int
    interrupted: bool = False


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for pkg in ("bench", "httpx", "pydantic", "pyarrow", "pandas", "aiohttp"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[pkg] = metadata.version(pkg)
    return out


def _git_sha() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _endpoint(t: Target) -> EndpointInfo:
    return EndpointInfo(
        ref=t.ref,
        vendor=t.vendor.id,
        name=t.vendor.name,
        hq=t.vendor.hq,
        endpoint=t.endpoint_id,
        region=t.endpoint.region,
        protocol=t.protocol,
        base_url=t.base_url,
        model=t.model,
    )


def new_manifest(plan: RunPlan, targets: list[Target], jobs: int, fx: FxRate) -> Manifest:
    copy = plan.suite.model_dump(mode="json")
    copy["items_file"] = None
    return Manifest(
        run_id=plan.store.run_id,
        schema_version=SCHEMA_VERSION,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        suite_name=plan.suite.name,
        suite_path=plan.suite_path,
        suite_hash=plan.suite.digest(),
        suite=copy,
        models=[t.ref for t in targets],
        endpoints=[_endpoint(t) for t in targets],
        params=plan.suite.params.model_dump(mode="json"),
        repeat=plan.repeat,
        jobs=jobs,
        simulated=plan.simulate,
        fx=FxInfo(cny_per_usd=fx.cny_per_usd, source=fx.source),
        versions=_versions(),
        git_sha=_git_sha(),
        host=platform.node(),
        shard=list(plan.shard) if plan.shard else None,
        cache=plan.cache,
        max_cost=plan.max_cost,
        data_class=plan.suite.data_class,
        hosts=plan.hosts,
    )


def budget_for(cap: float | None, store: RunStore) -> Budget | None:
    """The run's `--max-cost` budget, less what it has spent already (None: no cap)."""
    return None if cap is None else Budget(cap, store.spent_usd())


def _cache(plan: RunPlan, jobs: list[Job], done: set[str]) -> ResponseCache | None:
    if not plan.cache:
        return None
    wanted = {cache_key(j) for j in jobs if j.job_id not in done}
    return ResponseCache.load(plan.store.dir.parent, wanted, plan.store.run_id)


def _start(
    plan: RunPlan, targets: list[Target], jobs: list[Job], fx: FxRate, opts: RunOptions
) -> Manifest:
    """The manifest, written before the first request: new, or the resumed run's, running."""
    if plan.max_cost is not None:
        for job in jobs:  # every model must be priced, and capped, before anything is sent
            worst_case(job.target, job.messages, job.params, fx)
    if plan.manifest is not None:
        manifest = plan.manifest.model_copy(update={"status": "running", "max_cost": plan.max_cost})
        plan.store.write_manifest(manifest)
        return manifest
    manifest = new_manifest(plan, targets, len(jobs), fx)
    plan.store.create(manifest, overwrite=opts.overwrite)
    return manifest


async def _drive(
    plan: RunPlan, jobs: list[Job], opts: RunOptions, fx: FxRate, state: _State
) -> None:
    async with Caller(
        fx=fx,
        limits=opts.limits,
        timeouts=opts.timeouts,
        policy=opts.policy,
        budget=state.budget,
        journal=plan.store.open_journal(),
        run_id=plan.store.run_id,
    ) as caller:
        state.caller = caller
        await run_jobs(
            jobs, caller, state.tally, done=state.done, on_done=state.on_done, cache=state.cache
        )


@dataclass(slots=True)
class _Ledger:
    """The manifest's data-flow ledger: per endpoint, where it is bound and how much was sent."""

    targets: list[Target]
    data_class: str
    policy: Policy | None

    def entries(self, before: list[FlowEntry], tally: Tally) -> list[FlowEntry]:
        old = {e.endpoint: e for e in before}
        out = []
        for t in {t.endpoint_key: t for t in self.targets}.values():
            g = t.vendor.governance_of(t.endpoint_id)
            prior = old.get(t.endpoint_key)
            out.append(
                FlowEntry(
                    endpoint=t.endpoint_key,
                    host=urlsplit(t.base_url).hostname,
                    jurisdiction=g.jurisdiction,
                    region=g.processing_region
                    if g.processing_region != "unknown"
                    else t.endpoint.region,
                    data_class=self.data_class,
                    requests=tally.sent[t.endpoint_key] + (prior.requests if prior else 0),
                    bytes=tally.sent_bytes[t.endpoint_key] + (prior.bytes if prior else 0),
                    policy_sha256=self.policy.sha256 if self.policy else None,
                )
            )
        return out


@dataclass(slots=True)
class _State:
    """What the run accumulates, kept outside the event loop so an interrupt keeps it too."""

    done: set[str]
    on_done: OnDone | None
    cache: ResponseCache | None
    budget: Budget | None
    tally: Tally
    caller: Caller | None = None
    ledger: _Ledger | None = None


def _finish(store: RunStore, manifest: Manifest, jobs: int, st: _State, interrupted: bool) -> int:
    """Parquet from the journal, then the manifest with how the run ended. A write that fails
    (a full disk) still leaves the manifest `interrupted` if it can be written, and is raised
    after, unless the run is already ending on an error of its own (`interrupted`), which is
    the cause worth reporting: the journal holds every answer, so `--resume` finishes the run
    once space is free."""
    store.close_journal()
    failure: ResultsError | None = None
    try:
        rows = store.compact()
    except ResultsError as exc:
        failure, rows = exc, manifest.rows or 0
    stopped = interrupted or failure is not None
    exhausted = st.budget is not None and st.budget.exhausted and not stopped
    status = (
        "budget_exhausted" if exhausted else "interrupted" if stopped or rows < jobs else "finished"
    )
    manifest.status = status
    if st.budget is not None:
        manifest.spent_usd = round(st.budget.spent_usd, 6)
    manifest.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    manifest.rows = rows
    manifest.summary = st.tally.summary(st.caller)
    if st.ledger is not None:
        manifest.data_flow = st.ledger.entries(manifest.data_flow, st.tally)
    try:
        store.write_manifest(manifest)
    except ResultsError as exc:
        failure = failure or exc
    if failure is not None and not interrupted:
        raise failure
    return rows


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while the Parquet and manifest are written, then end as
    interrupted: a second Ctrl-C must not leave the store half written. (Only the main thread
    can handle signals; elsewhere nothing is held.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = {s: h for s in (signal.SIGINT, signal.SIGTERM) if (h := signal.getsignal(s)) is not None}
    for s in held:
        signal.signal(s, lambda n, _f: caught.append(n))
    try:
        yield
    finally:
        for s, h in held.items():
            signal.signal(s, h)
    if caught:
        raise KeyboardInterrupt


def execute(opts: RunOptions, on_start: OnStart | None = None) -> RunResult:
    """Run (or resume) a suite; `on_start` may return a per-job callback. A data policy that
    forbids an endpoint refuses the run here, before the simulator or any request starts."""
    fx = FxRate.from_env()
    plan = plan_run(opts)
    policy = data_policy(opts)
    real = resolve_targets(plan.models, None, False)
    said = refuse_by_policy(policy, plan.suite.data_class, real, plan.simulate)
    with simulator_url(plan.simulate) as url:
        targets = resolve_targets(plan.models, url, hosts=plan.hosts)
        jobs = plan.jobs(targets)
        manifest = _start(plan, targets, jobs, fx, opts)
        done = plan.store.done_ids()
        tally = Tally(notices=plan.notices + said + opts.limits.notices(targets))
        on_done = on_start(jobs, done, tally.notices) if on_start else None
        st = _State(
            done, on_done, _cache(plan, jobs, done), budget_for(plan.max_cost, plan.store), tally
        )
        st.ledger = _Ledger(targets, plan.suite.data_class, policy)
        interrupted = True
        try:
            loop.run(_drive(plan, jobs, opts, fx, st))
            interrupted = False
        finally:
            with _signals_held():
                rows = _finish(plan.store, manifest, len(jobs), st, interrupted)
    return RunResult(plan.store, manifest, st.tally, rows, interrupted)


__all__ = [
    "OnStart",
    "RunOptions",
    "RunResult",
    "budget_for",
    "execute",
    "new_manifest",
]
