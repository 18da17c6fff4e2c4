"""The facts grader: how much of an item's documented facts each answer gives.

Only items with a `reference` are graded; the score is the fact coverage (share of the fact
groups the answer mentions), the rationale names the facts missing. An answer that did not
arrive as text (blocked, error) gives no facts but says nothing about omission, so it is
recorded with its outcome and no score: the not-answered rate already counts it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.grading.registry import TEXT_OUTCOMES, GradeContext, Graded, grade_row
from harness.suites.reference import coverage

if TYPE_CHECKING:
    import pandas as pd

VERSION = "facts-1"


class FactsGrader:
    name = "facts"

    async def grade(self, responses: pd.DataFrame, ctx: GradeContext) -> Graded:
        rows = []
        for r in responses.itertuples():
            ref = ctx.references.get(r.case_id)
            if ref is None:
                continue
            if r.outcome not in TEXT_OUTCOMES:
                rows.append(
                    grade_row(r, "facts", VERSION, r.outcome, rationale=f"no text ({r.outcome})")
                )
                continue
            cov = coverage(ref, r.text or "")
            label = f"{len(cov.found)}/{len(cov.found) + len(cov.missing)}"
            rows.append(
                grade_row(r, "facts", VERSION, label, score=cov.share, rationale=cov.summary())
            )
        return Graded(rows)


GRADER = FactsGrader()
