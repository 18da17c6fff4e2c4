"""The identity grader: which maker a model says made it (items with `type: identity`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.grading import makers
from harness.grading.registry import TEXT_OUTCOMES, GradeContext, Graded, grade_row

if TYPE_CHECKING:
    import pandas as pd


class IdentityGrader:
    name = "identity"

    async def grade(self, responses: pd.DataFrame, ctx: GradeContext) -> Graded:
        rows = []
        for r in responses.itertuples():
            item = ctx.items.get(r.case_id)
            if item is None or not any(s.type == "identity" for s in item.specs):
                continue
            if r.outcome not in TEXT_OUTCOMES:
                rows.append(
                    grade_row(
                        r, "identity", makers.VERSION, "none", rationale=f"no answer ({r.outcome})"
                    )
                )
                continue
            c = makers.claim(r.text or "", r.vendor, r.model_requested)
            rows.append(
                grade_row(
                    r, "identity", makers.VERSION, c.claimed, passed=c.passed, rationale=c.rationale
                )
            )
        return Graded(rows)


GRADER = IdentityGrader()
