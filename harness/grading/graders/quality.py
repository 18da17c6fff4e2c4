"""The quality grader: each item's `grade:` checks (exact, regex, contains, choice, numeric,
JSON Schema), and a rubric judged by the first judge when one is given.

A response with no answer (error, block, ...) fails its checks; a rubric without a judge is
`ungraded`, and a judge's failure is `judge_error`: neither is a verdict (see
analysis/labels.py), so neither counts for or against quality anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.grading.checks import DETERMINISTIC, Check, run_check
from harness.grading.judge import Judge
from harness.grading.judge_prompts import VERSION as JUDGE_VERSION
from harness.grading.judge_prompts import rubric_prompt
from harness.grading.registry import TEXT_OUTCOMES, GradeContext, Graded, grade_row
from harness.results.records import GradeRow

if TYPE_CHECKING:
    import pandas as pd

VERSION = "quality-1"


def _verdict(r: Any, checks: list[Check], judge: str | None = None) -> GradeRow:
    passed = all(c.passed for c in checks)
    return grade_row(
        r,
        "quality",
        VERSION,
        "pass" if passed else "fail",
        passed=passed,
        score=sum(c.passed for c in checks) / len(checks),
        judge_model=judge,
        rationale="; ".join(c.rationale for c in checks),
    )


class QualityGrader:
    name = "quality"

    async def grade(self, responses: pd.DataFrame, ctx: GradeContext) -> Graded:
        rows: list[GradeRow] = []
        rubrics: list[tuple[Any, list[Check], str]] = []
        for r in responses.itertuples():
            item = ctx.items.get(r.case_id)
            specs = [s for s in item.specs if s.type in (*DETERMINISTIC, "judge")] if item else []
            if not specs:
                continue
            if r.outcome not in TEXT_OUTCOMES:
                rows.append(
                    grade_row(
                        r,
                        "quality",
                        VERSION,
                        "fail",
                        score=0.0,
                        passed=False,
                        rationale=f"no answer ({r.outcome})",
                    )
                )
                continue
            checks = [run_check(s, r.text or "") for s in specs if s.type != "judge"]
            rubric = next((s.rubric for s in specs if s.type == "judge"), None)
            if rubric is None:
                rows.append(_verdict(r, checks))
            else:
                rubrics.append((r, checks, rubric))
        judge = ctx.judges[0] if ctx.judges else None
        if rubrics:
            rows += await _rubrics(rubrics, judge, ctx)
        return Graded(rows)


async def _rubrics(
    jobs: list[tuple[Any, list[Check], str]], judge: Judge | None, ctx: GradeContext
) -> list[GradeRow]:
    if judge is None:
        return [
            grade_row(r, "quality", VERSION, "ungraded", rationale="rubric needs --judge")
            for r, _, _ in jobs
        ]
    assert ctx.caller is not None
    asks = [(r.job_id, rubric_prompt(rub, r.prompt, r.text or "")) for r, _, rub in jobs]
    answers = await judge.ask(ctx.caller, asks, ("pass", "fail"))
    rows = []
    for (r, checks, _), a in zip(jobs, answers, strict=True):
        if a.label == "judge_error":
            rows.append(
                grade_row(
                    r,
                    "quality",
                    JUDGE_VERSION,
                    "judge_error",
                    judge_model=judge.ref,
                    rationale=a.rationale,
                )
            )
        else:
            rows.append(_verdict(r, [*checks, Check(a.label == "pass", a.rationale)], judge.ref))
    return rows


GRADER = QualityGrader()
