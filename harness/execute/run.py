"""One run end to end: suite → targets → jobs → scheduler → journal → Parquet.

Everything a user can get wrong (suite, model refs, keys, run directory) is checked before
the first request, so a mistake costs nothing; the manifest is written before the first
request, so an interrupted run can always be resumed.
"""

from __future__ import annotations

import asyncio
import contextlib
import platform
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.calls.budget import Budget, worst_case
from harness.calls.http import Timeouts
from harness.calls.retry import RetryPolicy
from harness.errors import ConfigError
from harness.execute.cache import ResponseCache, cache_key
from harness.execute.jobs import Job, canonical_ref, expand
from harness.execute.scheduler import Limits, OnDone, Tally, run_jobs
from harness.pricing.quote import FxRate
from harness.results.schema import SCHEMA_VERSION
from harness.results.store import RunStore, new_run_id
from harness.suites import Suite, load_suite, suite_from_dict
from providers import resolve
from providers.base import Target


@dataclass(slots=True)
class RunOptions:
    suite_path: str | None = None
    models: list[str] = field(default_factory=list)
    repeat: int | None = None
    results: str | None = None
    run_id: str | None = None
    resume: str | None = None
    simulate: bool = False
    overwrite: bool = False
    limits: Limits = field(default_factory=Limits)
    timeouts: Timeouts = field(default_factory=Timeouts)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    shard: tuple[int, int] | None = None
    """(k, n): run only the k-th of n deterministic slices of the jobs."""
    cache: bool = False
    """Serve jobs whose answers earlier runs in the store already hold."""
    max_cost: float | None = None
    """USD cap on spend; jobs reserve their worst case before they are sent."""


def in_shard(job: Job, shard: tuple[int, int] | None) -> bool:
    if shard is None:
        return True
    k, n = shard
    return int(job.job_id[:12], 16) % n == k - 1


@dataclass(slots=True)
class RunResult:
    store: RunStore
    manifest: dict[str, Any]
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


def _endpoint_info(target: Target) -> dict[str, Any]:
    return {
        "ref": target.ref,
        "vendor": target.vendor.id,
        "name": target.vendor.name,
        "hq": target.vendor.hq,
        "endpoint": target.endpoint_id,
        "region": target.endpoint.region,
        "protocol": target.protocol,
        "base_url": target.base_url,
        "model": target.model,
    }


def _manifest(
    run_id: str,
    suite: Suite,
    suite_path: str | None,
    targets: list[Target],
    repeat: int,
    simulated: bool,
    fx: FxRate,
    jobs: int,
) -> dict[str, Any]:
    copy = suite.model_dump(mode="json")
    copy["items_file"] = None
    return {
        "run_id": run_id,
        "schema_version": SCHEMA_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "suite_name": suite.name,
        "suite_path": suite_path,
        "suite_hash": suite.digest(),
        "suite": copy,
        "models": [t.ref for t in targets],
        "endpoints": [_endpoint_info(t) for t in targets],
        "params": suite.params.model_dump(mode="json"),
        "repeat": repeat,
        "jobs": jobs,
        "simulated": simulated,
        "fx": {"cny_per_usd": fx.cny_per_usd, "source": fx.source},
        "versions": _versions(),
        "git_sha": _git_sha(),
        "host": platform.node(),
        "status": "running",
    }


@contextlib.contextmanager
def simulator_url(on: bool) -> Iterator[str | None]:
    """The URL of a simulator running for the duration, or None when not simulating."""
    if not on:
        yield None
        return
    from harness.simulator import Simulator  # (aiohttp only when simulating)

    with Simulator() as sim:
        yield sim.url


def _targets(models: list[str], url: str | None, require_key: bool = True) -> list[Target]:
    targets = [resolve(m, simulator_url=url, require_key=require_key) for m in models]
    seen: dict[str, str] = {}
    for t in targets:
        key = canonical_ref(t)
        if key in seen:
            raise ConfigError(
                f"model {t.ref!r} is listed twice (also as {seen[key]!r}); list it once"
            )
        seen[key] = t.ref
    return targets


@dataclass(slots=True)
class _Plan:
    """What a run (or a resume) is: from the suite file and options, or from the manifest."""

    store: RunStore
    manifest: dict[str, Any] | None
    suite: Suite
    models: list[str]
    repeat: int
    simulate: bool
    shard: tuple[int, int] | None
    use_cache: bool


def _plan(opts: RunOptions) -> _Plan:
    if opts.resume:
        store = RunStore(opts.results, opts.resume)
        m = store.manifest()
        return _Plan(
            store,
            m,
            suite_from_dict(m["suite"], str(store.manifest_path)),
            m["models"],
            m["repeat"],
            m["simulated"],
            tuple(m["shard"]) if m.get("shard") else None,
            bool(m.get("cache")),
        )
    if not opts.suite_path:
        raise ConfigError("give a suite file (bench run SUITE.yaml) or --resume RUN_ID")
    suite = load_suite(opts.suite_path)
    models = opts.models or suite.models
    if not models:
        raise ConfigError(
            f"{opts.suite_path}: no models; pass -m vendor:model or list models: in the suite"
        )
    store = RunStore(opts.results, opts.run_id or new_run_id(suite.name))
    return _Plan(
        store,
        None,
        suite,
        models,
        opts.repeat or suite.repeat,
        opts.simulate,
        opts.shard,
        opts.cache,
    )


def planned_jobs(opts: RunOptions) -> list[Job]:
    """The jobs a run would send, without sending anything (keys not required)."""
    plan = _plan(opts)
    done = plan.store.done_ids() if opts.resume else set()
    url = "http://simulator.invalid" if plan.simulate else None
    targets = _targets(plan.models, url, require_key=False)
    return [
        j
        for j in expand(plan.suite, targets, plan.repeat)
        if in_shard(j, plan.shard) and j.job_id not in done
    ]


def execute(
    opts: RunOptions, on_start: Callable[[list[Job], set[str]], OnDone | None] | None = None
) -> RunResult:
    """Run (or resume) a suite; `on_start(jobs, done_ids)` may return a per-job callback."""
    fx = FxRate.from_env()
    plan = _plan(opts)
    store, suite, models, repeat = plan.store, plan.suite, plan.models, plan.repeat
    simulate, shard, use_cache = plan.simulate, plan.shard, plan.use_cache
    manifest = plan.manifest or {}
    with simulator_url(simulate) as url:
        targets = _targets(models, url)
        jobs = [j for j in expand(suite, targets, repeat) if in_shard(j, shard)]
        cap = (
            opts.max_cost
            if opts.max_cost is not None
            else (manifest.get("max_cost") if opts.resume else None)
        )
        if cap is not None:
            for job in jobs:  # every model must be priced, and capped, before anything is sent
                worst_case(job, fx)
        if opts.resume:
            manifest["status"] = "running"
            store.write_manifest(manifest)
        else:
            manifest = _manifest(
                store.run_id, suite, opts.suite_path, targets, repeat, simulate, fx, len(jobs)
            )
            manifest.update(shard=list(shard) if shard else None, cache=use_cache, max_cost=cap)
            store.create(manifest, overwrite=opts.overwrite)
        done = store.done_ids()
        on_done = on_start(jobs, done) if on_start else None
        cache = None
        if use_cache:
            wanted = {cache_key(j) for j in jobs if j.job_id not in done}
            cache = ResponseCache.load(store.dir.parent, wanted, store.run_id)
        budget = None
        if cap is not None:
            spent = sum(rec["row"].get("cost_usd") or 0.0 for rec in store.records())
            budget = Budget(cap, spent)
            manifest["max_cost"] = cap
        store.open_journal()
        tally, interrupted = Tally(), True
        try:
            tally = asyncio.run(
                run_jobs(
                    jobs,
                    store,
                    limits=opts.limits,
                    timeouts=opts.timeouts,
                    policy=opts.policy,
                    fx=fx,
                    on_done=on_done,
                    cache=cache,
                    budget=budget,
                )
            )
            interrupted = False
        finally:
            store.close_journal()
            rows = store.compact()
            manifest["status"] = (
                "budget_exhausted"
                if budget is not None and budget.exhausted and not interrupted
                else "interrupted"
                if interrupted or rows < len(jobs)
                else "finished"
            )
            if budget is not None:
                manifest["spent_usd"] = round(budget.spent_usd, 6)
            manifest["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            manifest["rows"] = rows
            manifest["summary"] = tally.summary()
            store.write_manifest(manifest)
    return RunResult(store, manifest, tally, rows, interrupted)


__all__ = ["RunOptions", "RunResult", "execute"]
