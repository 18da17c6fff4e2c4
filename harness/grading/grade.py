"""`bench grade`: grade a run's stored answers, without paying for them again.

The graders come from the registry, named by the suite or the command line. Judge calls go
through one Caller bound to the run: they meet the run's limits and `--max-cost` budget, and
their attempts are journaled into the run (purpose `judge`) and land in its attempts Parquet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from harness.calls import loop
from harness.calls.caller import Caller
from harness.calls.http import Timeouts
from harness.calls.limits import Limits
from harness.calls.retry import RetryPolicy
from harness.execute.run import budget_for
from harness.execute.targets import simulator_url
from harness.grading.judge import Judge
from harness.grading.registry import GradeContext, Grader, get_grader
from harness.pricing.fx import FxRate
from harness.results.manifest import Manifest
from harness.results.records import GradeRow
from harness.results.store import RunStore
from harness.suites import suite_from_dict

JUDGE_TIMEOUTS = Timeouts(read_s=120, deadline_s=300)
JUDGE_RETRIES = RetryPolicy(max_attempts=4)


@dataclass(slots=True)
class GradeSummary:
    rows: int = 0
    by_grader: dict[str, int] = field(default_factory=dict)
    judged: int = 0
    kappa: dict[str, float | None] = field(default_factory=dict)


async def _grade(
    graders: list[Grader], df: pd.DataFrame, ctx: GradeContext, summary: GradeSummary
) -> list[GradeRow]:
    rows: list[GradeRow] = []
    for grader in graders:
        graded = await grader.grade(df, ctx)
        rows += graded.rows
        summary.judged += graded.judged
        summary.kappa.update(graded.kappa)
    return rows


async def _with_judges(
    store: RunStore,
    manifest: Manifest,
    graders: list[Grader],
    df: pd.DataFrame,
    ctx: GradeContext,
    summary: GradeSummary,
) -> list[GradeRow]:
    budget = budget_for(manifest.max_cost, store)
    async with Caller(
        fx=FxRate(manifest.fx.cny_per_usd, manifest.fx.source),
        limits=Limits(),
        timeouts=JUDGE_TIMEOUTS,
        policy=JUDGE_RETRIES,
        budget=budget,
        journal=store.open_journal(),
        run_id=store.run_id,
    ) as caller:
        ctx.caller = caller
        try:
            return await _grade(graders, df, ctx, summary)
        finally:
            store.close_journal()
            store.compact()  # judge attempts join the run's attempts Parquet
            if budget is not None:
                manifest.spent_usd = round(store.spent_usd(), 6)
                store.write_manifest(manifest)


def grade_run(
    store: RunStore,
    graders: list[str] | None = None,
    judges: list[str] | None = None,
    judge_all: bool = False,
) -> GradeSummary:
    manifest = store.manifest()
    suite = suite_from_dict(manifest.suite, str(store.manifest_path))
    chosen = [get_grader(name) for name in (graders or suite.graders)]
    df = store.read("responses").to_pandas()
    ctx = GradeContext.for_suite(store.run_id, suite, judge_all=judge_all)
    summary = GradeSummary()
    # judges of a simulated run are simulated too: nothing real grades simulated answers
    with simulator_url(bool(judges) and manifest.simulated) as sim_url:
        ctx.judges = [Judge(ref, simulator_url=sim_url) for ref in judges or []]
        if ctx.judges:
            rows = loop.run(_with_judges(store, manifest, chosen, df, ctx, summary))
        else:
            rows = loop.run(_grade(chosen, df, ctx, summary))
    summary.rows = store.write_grades(rows)
    summary.by_grader = dict(Counter(row.grader for row in rows))
    return summary


__all__ = ["GradeSummary", "grade_run"]
