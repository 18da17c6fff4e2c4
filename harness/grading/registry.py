"""The graders, registered by name: a suite's `graders:` and `bench grade --grader` look here.

A grader is one module in `harness/grading/graders/`, named for the grader, that defines
`GRADER`: an object with that `name` and an async `grade(responses, ctx)` returning typed
grade rows. Adding a grader is adding such a module; nothing else names it.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Protocol

from harness.errors import ConfigError
from harness.results.records import GradeRow

if TYPE_CHECKING:
    import pandas as pd

    from harness.calls.caller import Caller
    from harness.grading.judge import Judge
    from harness.suites.model import Item, Suite
    from harness.suites.reference import Reference


TEXT_OUTCOMES = ("ok", "truncated")
"""Transport outcomes whose text is graded; every other outcome passes through as it is."""


@dataclass(slots=True)
class GradeContext:
    """What a grader may use besides the responses."""

    run_id: str
    items: dict[str, Item]
    references: dict[str, Reference] = field(default_factory=dict)
    """Each item's reference facts, by item id (items without one are absent)."""
    judges: list[Judge] = field(default_factory=list)
    judge_all: bool = False
    """Send every text answer to the judges, not only those the rules are unsure of."""
    caller: Caller | None = None
    """The one path to a model, for judges (limits, retries, budget, journal)."""

    @classmethod
    def for_suite(cls, run_id: str, suite: Suite, **kw: object) -> GradeContext:
        references = {}
        for item in suite.items:
            ref = suite.reference_for(item)
            if ref is not None:
                references[item.id] = ref
        return cls(run_id, {i.id: i for i in suite.items}, references, **kw)  # type: ignore[arg-type]


@dataclass(slots=True)
class Graded:
    rows: list[GradeRow]
    judged: int = 0
    """Answers sent to judges."""
    kappa: dict[str, float | None] = field(default_factory=dict)
    """Agreement of the first two judges, by pair name."""


def grade_row(
    r: object,
    grader: str,
    version: str,
    label: str,
    *,
    judge_model: str | None = None,
    score: float | None = None,
    passed: bool | None = None,
    confidence: float | None = None,
    source: str | None = None,
    unsure: bool | None = None,
    rationale: str | None = None,
) -> GradeRow:
    """A grade of response `r` (a row of the responses frame)."""
    return GradeRow(
        run_id=r.run_id,  # type: ignore[attr-defined]
        job_id=r.job_id,  # type: ignore[attr-defined]
        case_id=r.case_id,  # type: ignore[attr-defined]
        model=r.model,  # type: ignore[attr-defined]
        grader=grader,
        grader_version=version,
        judge_model=judge_model,
        label=label,
        score=score,
        passed=passed,
        confidence=confidence,
        source=source,
        unsure=unsure,
        rationale=rationale,
        graded_at=time.time(),
    )


class Grader(Protocol):
    name: str

    async def grade(self, responses: pd.DataFrame, ctx: GradeContext) -> Graded: ...


def grader_names() -> list[str]:
    """Every grader's name: the module names in harness/grading/graders/ (found without
    importing them, so validating a suite stays cheap)."""
    from harness.grading import graders as package

    return sorted(info.name for info in pkgutil.iter_modules(package.__path__))


@cache
def get_grader(name: str) -> Grader:
    if name not in grader_names():
        raise ConfigError(f"unknown grader {name!r}; use one of {', '.join(grader_names())}")
    grader: Grader = importlib.import_module(f"harness.grading.graders.{name}").GRADER
    assert grader.name == name, f"graders/{name}.py defines a grader named {grader.name!r}"
    return grader


__all__ = [
    "TEXT_OUTCOMES",
    "GradeContext",
    "Graded",
    "Grader",
    "get_grader",
    "grade_row",
    "grader_names",
]
