"""The refusal grader: transport outcomes pass through; text answers get the rules' label,
and the answers the rules are unsure of (or all, with --judge-all) go to the judges.

It writes `refusal_rules` and `refusal_judge` rows (each opinion), and one final `refusal` row
per response, which every report and check reads.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from harness.grading import refusal_rules as rules
from harness.grading.judge import VERSION as JUDGE_VERSION
from harness.grading.judge import Judgement, cohen_kappa, refusal_prompt
from harness.grading.registry import TEXT_OUTCOMES, GradeContext, Graded, grade_row
from harness.results.records import GradeRow

if TYPE_CHECKING:
    import pandas as pd


class RefusalGrader:
    name = "refusal"

    async def grade(self, responses: pd.DataFrame, ctx: GradeContext) -> Graded:
        rows: list[GradeRow] = []
        final: dict[str, GradeRow] = {}
        unsure: list[Any] = []
        for r in responses.itertuples():
            if r.outcome not in TEXT_OUTCOMES:
                final[r.job_id] = grade_row(
                    r,
                    "refusal",
                    rules.VERSION,
                    r.outcome,
                    score=0.0,
                    confidence=1.0,
                    rationale=f"transport outcome {r.outcome}",
                )
                continue
            v = rules.classify(r.prompt, r.text or "", r.lang)
            opinion = grade_row(
                r,
                "refusal_rules",
                rules.VERSION,
                v.label,
                confidence=v.confidence,
                score=float(v.label == "complete"),
                rationale=v.rationale,
            )
            rows.append(opinion)
            final[r.job_id] = _as_final(opinion)
            if ctx.judges and (ctx.judge_all or v.confidence < rules.UNSURE):
                unsure.append(r)
        graded = Graded(rows)
        if ctx.judges and unsure:
            await _judge(unsure, ctx, rows, final, graded)
        graded.rows = rows + list(final.values())
        return graded


def _as_final(opinion: GradeRow, **changes: Any) -> GradeRow:
    return dataclasses.replace(opinion, grader="refusal", **changes)


async def _judge(
    unsure: list[Any],
    ctx: GradeContext,
    rows: list[GradeRow],
    final: dict[str, GradeRow],
    graded: Graded,
) -> None:
    assert ctx.caller is not None
    asks = [(r.job_id, refusal_prompt(r.prompt, r.text or "")) for r in unsure]
    verdicts: list[list[Judgement]] = [
        await judge.ask(ctx.caller, asks, rules.LABELS) for judge in ctx.judges
    ]
    for judge, answers in zip(ctx.judges, verdicts, strict=True):
        for r, a in zip(unsure, answers, strict=True):
            rows.append(
                grade_row(
                    r,
                    "refusal_judge",
                    JUDGE_VERSION,
                    a.label,
                    judge_model=judge.ref,
                    score=float(a.label == "complete"),
                    rationale=a.rationale,
                )
            )
    for r, *answers in zip(unsure, *verdicts, strict=True):
        decided = next((a for a in answers if a.label != "judge_error"), None)
        if decided is not None:
            final[r.job_id] = _as_final(
                final[r.job_id],
                label=decided.label,
                confidence=None,
                score=float(decided.label == "complete"),
                judge_model=decided.judge,
                grader_version=JUDGE_VERSION,
                rationale=f"judge {decided.judge}: {decided.rationale}",
            )
    graded.judged = len(unsure)
    if len(ctx.judges) >= 2:
        a, b = ([x.label for x in v] for v in verdicts[:2])
        graded.kappa[f"{ctx.judges[0].ref} vs {ctx.judges[1].ref}"] = cohen_kappa(a, b)


GRADER = RefusalGrader()
