"""`bench grade`: grade stored answers, without paying for them again.

Graders: `refusal` (deterministic classifier, then optional judges for the unsure cases),
`quality` (the items' deterministic checks, and rubric checks when a judge is given) and
`identity` (the maker a model claims). Transport outcomes other than ok/truncated pass
through the refusal grader as they are.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from harness.execute.run import simulator_url
from harness.grading import checks as quality
from harness.grading import identity
from harness.grading import refusal_rules as refusal
from harness.grading.judge import VERSION as JUDGE_VERSION
from harness.grading.judge import Judge, cohen_kappa, refusal_prompt, rubric_prompt
from harness.results.store import RunStore
from harness.suites import Item, suite_from_dict

TEXT_OUTCOMES = ("ok", "truncated")
DETERMINISTIC = ("exact", "regex", "contains", "not_contains", "choice", "numeric", "json_schema")


@dataclass(slots=True)
class GradeSummary:
    rows: int = 0
    by_grader: dict[str, int] = field(default_factory=dict)
    judged: int = 0
    kappa: dict[str, float | None] = field(default_factory=dict)


def _row(r: Any, grader: str, version: str, label: str, **extra: Any) -> dict[str, Any]:
    return {
        "run_id": r.run_id,
        "job_id": r.job_id,
        "case_id": r.case_id,
        "model": r.model,
        "grader": grader,
        "grader_version": version,
        "label": label,
        "graded_at": time.time(),
        **extra,
    }


def _refusal(
    df: pd.DataFrame, judges: list[Judge], judge_all: bool
) -> tuple[list[dict], int, dict]:
    rows, unsure = [], []
    final: dict[str, dict] = {}
    for r in df.itertuples():
        if r.outcome not in TEXT_OUTCOMES:
            final[r.job_id] = _row(
                r,
                "refusal",
                refusal.VERSION,
                r.outcome,
                score=0.0,
                confidence=1.0,
                rationale=f"transport outcome {r.outcome}",
            )
            continue
        v = refusal.classify(r.prompt, r.text or "", r.lang)
        rows.append(
            _row(
                r,
                "refusal_rules",
                refusal.VERSION,
                v.label,
                confidence=v.confidence,
                score=float(v.label == "complete"),
                rationale=v.rationale,
            )
        )
        final[r.job_id] = {**rows[-1], "grader": "refusal"}
        if judges and (judge_all or v.confidence < refusal.UNSURE):
            unsure.append(r)
    kappa: dict[str, float | None] = {}
    if judges and unsure:
        prompts = [refusal_prompt(r.prompt, r.text or "") for r in unsure]
        verdicts = [j.ask(prompts, refusal.LABELS) for j in judges]
        for judge, answers in zip(judges, verdicts, strict=True):
            for r, a in zip(unsure, answers, strict=True):
                rows.append(
                    _row(
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
                final[r.job_id] = {
                    **final[r.job_id],
                    "label": decided.label,
                    "confidence": None,
                    "score": float(decided.label == "complete"),
                    "judge_model": decided.judge,
                    "grader_version": JUDGE_VERSION,
                    "rationale": f"judge {decided.judge}: {decided.rationale}",
                }
        if len(judges) >= 2:
            a, b = ([x.label for x in v] for v in verdicts[:2])
            kappa[f"{judges[0].ref} vs {judges[1].ref}"] = cohen_kappa(a, b)
    return rows + list(final.values()), len(unsure), kappa


def _quality(df: pd.DataFrame, items: dict[str, Item], judge: Judge | None) -> list[dict]:
    rows, rubric_jobs = [], []
    for r in df.itertuples():
        specs = (
            [s for s in items[r.case_id].specs if s.type in (*DETERMINISTIC, "judge")]
            if r.case_id in items
            else []
        )
        if not specs:
            continue
        if r.outcome not in TEXT_OUTCOMES:
            rows.append(
                _row(
                    r,
                    "quality",
                    "quality-1",
                    "fail",
                    score=0.0,
                    passed=False,
                    rationale=f"no answer ({r.outcome})",
                )
            )
            continue
        checks = [quality.check(s, r.text or "") for s in specs if s.type != "judge"]
        rubric = next((s.rubric for s in specs if s.type == "judge"), None)
        if rubric is not None:
            rubric_jobs.append((r, checks, rubric))
            continue
        rows.append(_quality_row(r, checks))
    if rubric_jobs:
        if judge is None:
            rows += [
                _row(r, "quality", "quality-1", "ungraded", rationale="rubric needs --judge")
                for r, _, _ in rubric_jobs
            ]
        else:
            answers = judge.ask(
                [rubric_prompt(rub, r.prompt, r.text or "") for r, _, rub in rubric_jobs],
                ("pass", "fail"),
            )
            for (r, checks, _), a in zip(rubric_jobs, answers, strict=True):
                if a.label == "judge_error":
                    rows.append(
                        _row(
                            r,
                            "quality",
                            JUDGE_VERSION,
                            "judge_error",
                            judge_model=judge.ref,
                            rationale=a.rationale,
                        )
                    )
                else:
                    rows.append(
                        _quality_row(
                            r, [*checks, quality.Check(a.label == "pass", a.rationale)], judge.ref
                        )
                    )
    return rows


def _quality_row(r: Any, checks: list[quality.Check], judge: str | None = None) -> dict:
    passed = all(c.passed for c in checks)
    return _row(
        r,
        "quality",
        "quality-1",
        "pass" if passed else "fail",
        passed=passed,
        score=sum(c.passed for c in checks) / len(checks),
        judge_model=judge,
        rationale="; ".join(c.rationale for c in checks),
    )


def _identity(df: pd.DataFrame, items: dict[str, Item]) -> list[dict]:
    rows = []
    for r in df.itertuples():
        item = items.get(r.case_id)
        if item is None or not any(s.type == "identity" for s in item.specs):
            continue
        if r.outcome not in TEXT_OUTCOMES:
            rows.append(
                _row(r, "identity", identity.VERSION, "none", rationale=f"no answer ({r.outcome})")
            )
            continue
        c = identity.claim(r.text or "", r.vendor, r.model_requested)
        rows.append(
            _row(r, "identity", identity.VERSION, c.claimed, passed=c.passed, rationale=c.rationale)
        )
    return rows


def grade_run(
    store: RunStore,
    graders: Iterable[str] | None = None,
    judges: list[str] | None = None,
    judge_all: bool = False,
) -> GradeSummary:
    manifest = store.manifest()
    suite = suite_from_dict(manifest["suite"], str(store.manifest_path))
    names = list(graders or suite.graders)
    df = store.read("responses").to_pandas()
    items = {item.id: item for item in suite.items}
    summary = GradeSummary()
    # judges of a simulated run are simulated too: nothing real grades simulated answers
    with simulator_url(bool(judges) and manifest.get("simulated", False)) as sim_url:
        judge_objs = [Judge(ref, simulator_url=sim_url) for ref in judges or []]
        rows: list[dict] = []
        if "refusal" in names:
            found, summary.judged, summary.kappa = _refusal(df, judge_objs, judge_all)
            rows += found
        if "quality" in names:
            rows += _quality(df, items, judge_objs[0] if judge_objs else None)
        if "identity" in names:
            rows += _identity(df, items)
    summary.rows = store.write_grades(rows)
    for row in rows:
        summary.by_grader[row["grader"]] = summary.by_grader.get(row["grader"], 0) + 1
    return summary


__all__ = ["GradeSummary", "grade_run"]
