"""What a run is, before anything is sent: from the suite file and options, or from a manifest.

`RunOptions` is what the command line asked for; `RunPlan` is what will run: a new run reads
the suite file, a resume reads everything back from the run's manifest (so a resume runs the
same suite, models, repeats, shard and cap as the run it finishes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from harness.calls.http import Timeouts
from harness.calls.limits import Limits
from harness.calls.retry import RetryPolicy
from harness.errors import ConfigError
from harness.execute.hosts import expand_family
from harness.execute.jobs import Job, expand
from harness.execute.targets import resolve_targets
from harness.policy.check import check_targets
from harness.policy.model import Policy, load_policy
from harness.results.manifest import HostTag, Manifest
from harness.results.store import RunStore, new_run_id
from harness.suites import Suite, load_suite, suite_from_dict
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
    """USD cap on spend; calls reserve their worst case before they are sent."""
    data_policy: str | None = None
    """A data policy file (`--policy`, else $BENCH_POLICY): which endpoints the suite's data
    class may reach; checked before anything is sent."""
    family: str | None = None
    """Run one family's open weights on every reachable host (providers/families.py)."""
    hosts: list[str] | None = None
    """Only these hosts of the family (its host names, e.g. first-party)."""


def in_shard(job: Job, shard: tuple[int, int] | None) -> bool:
    if shard is None:
        return True
    k, n = shard
    return int(job.job_id[:12], 16) % n == k - 1


@dataclass(slots=True)
class RunPlan:
    store: RunStore
    manifest: Manifest | None
    """The existing run's manifest when resuming, else None."""
    suite: Suite
    suite_path: str | None
    models: list[str]
    repeat: int
    simulate: bool
    shard: tuple[int, int] | None
    cache: bool
    max_cost: float | None
    hosts: dict[str, HostTag] = field(default_factory=dict)
    """Per model ref of a `--family` run: the family and host it stands for."""
    notices: list[str] = field(default_factory=list)
    """What the plan left out of what was asked (hosts skipped for want of a key)."""

    def jobs(self, targets: list[Target]) -> list[Job]:
        return [j for j in expand(self.suite, targets, self.repeat) if in_shard(j, self.shard)]


def data_policy(opts: RunOptions) -> Policy | None:
    path = opts.data_policy or os.environ.get("BENCH_POLICY")
    return load_policy(path) if path else None


def policy_verdicts(policy: Policy | None, data_class: str, targets: list[Target]) -> list[str]:
    """One line per endpoint the policy forbids for this data class (empty: allowed)."""
    if policy is None:
        return []
    return [v.line(data_class) for v in check_targets(policy, data_class, targets)]


def refuse_by_policy(
    policy: Policy | None, data_class: str, targets: list[Target], simulated: bool = False
) -> list[str]:
    """Refuse the run, before any request, when the policy forbids one of its endpoints. A
    simulated run sends nothing off this machine, so it goes on and is told what the policy
    would refuse (the notice returned): a rehearsal shows the verdict without keys."""
    lines = policy_verdicts(policy, data_class, targets)
    if not lines:
        return []
    assert policy is not None
    if simulated:
        return [
            f"simulated, so nothing leaves this machine; against the real endpoints "
            f"{policy.source} would refuse this run ({data_class} data): " + "; ".join(lines)
        ]
    why = (
        "\n(an unknown fact counts against non-public data; correct a wrong fact in "
        "providers/catalog/, see bench providers --governance)"
        if any(line.endswith(" unknown") for line in lines)
        else ""
    )
    raise ConfigError(
        f"{policy.source}: the data policy refuses this run ({data_class} data); nothing "
        "was sent:\n  " + "\n  ".join(lines) + why
    )


def policy_lines(opts: RunOptions) -> list[str]:
    """`--dry-run`'s word on the data policy: allowed, or each endpoint it would refuse."""
    policy = data_policy(opts)
    if policy is None:
        return []
    plan = plan_run(opts)
    cls = plan.suite.data_class
    lines = policy_verdicts(policy, cls, resolve_targets(plan.models, None, False))
    if not lines:
        return [f"data policy {policy.source}: {cls} data may reach every endpoint of this run"]
    return [f"data policy {policy.source} would refuse this run ({cls} data):", *lines]


def _resumed(opts: RunOptions, run_id: str) -> RunPlan:
    store = RunStore(opts.results, run_id)
    m = store.manifest()
    return RunPlan(
        store=store,
        manifest=m,
        suite=suite_from_dict(m.suite, str(store.manifest_path)),
        suite_path=m.suite_path,
        models=m.models,
        repeat=m.repeat,
        simulate=m.simulated,
        shard=(m.shard[0], m.shard[1]) if m.shard else None,
        cache=m.cache,
        max_cost=opts.max_cost if opts.max_cost is not None else m.max_cost,
        hosts=dict(m.hosts),
    )


def plan_run(opts: RunOptions) -> RunPlan:
    if opts.resume:
        return _resumed(opts, opts.resume)
    if not opts.suite_path:
        raise ConfigError("give a suite file (bench run SUITE.yaml) or --resume RUN_ID")
    suite = load_suite(opts.suite_path)
    hosts, notices = {}, []
    if opts.family:
        if opts.hosts is not None and not opts.hosts:
            raise ConfigError("--hosts: name at least one host (see bench providers --families)")
        hosts, notices = expand_family(opts.family, opts.hosts, opts.simulate)
    elif opts.hosts:
        raise ConfigError("--hosts picks hosts of a family: give --family too")
    models = list(dict.fromkeys([*opts.models, *hosts])) if hosts else opts.models or suite.models
    if not models:
        raise ConfigError(
            f"{opts.suite_path}: no models; pass -m vendor:model or list models: in the suite"
        )
    # the id is kept on the options, so an interrupt before the run returns can still name it
    opts.run_id = opts.run_id or new_run_id(suite.name)
    return RunPlan(
        store=RunStore(opts.results, opts.run_id),
        manifest=None,
        suite=suite,
        suite_path=opts.suite_path,
        models=models,
        repeat=opts.repeat or suite.repeat,
        simulate=opts.simulate,
        shard=opts.shard,
        cache=opts.cache,
        max_cost=opts.max_cost,
        hosts=hosts,
        notices=notices,
    )


def planned_jobs(opts: RunOptions) -> list[Job]:
    """The jobs a run would send, without sending anything (keys not required)."""
    plan = plan_run(opts)
    done = plan.store.done_ids() if opts.resume else set()
    url = "http://simulator.invalid" if plan.simulate else None
    targets = resolve_targets(plan.models, url, require_key=False)
    return [j for j in plan.jobs(targets) if j.job_id not in done]


__all__ = [
    "RunOptions",
    "RunPlan",
    "data_policy",
    "in_shard",
    "plan_run",
    "planned_jobs",
    "policy_lines",
    "policy_verdicts",
    "refuse_by_policy",
]
