"""Each response's final label, its sensitivity level and its quality verdict, in one frame.

The final label is the refusal grader's when the run was graded, else the transport outcome
(`ok` reads as complete). A response is *not answered* when that label is refusal, evasive,
narrative, api_block or withdrawn. Quality is a verdict only when a check decided it
(`pass`/`fail`); an ungraded rubric or a judge error is no verdict, and counts nowhere.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from harness.results.manifest import Manifest
from harness.suites.model import Sensitivity

NOT_ANSWERED = ("refusal", "evasive", "narrative", "api_block", "withdrawn")
"""Final labels that mean the question was not answered (the censorship measure)."""
GRADED = ("pass", "fail")
"""Quality labels that are verdicts; `ungraded` and `judge_error` are not."""
LEGACY = Path(__file__).with_name("legacy_sensitivity.yaml")


@lru_cache(maxsize=1)
def _legacy() -> Sensitivity:
    return Sensitivity.model_validate(yaml.safe_load(LEGACY.read_text(encoding="utf-8")))


def sensitivity_of(manifests: list[Manifest]) -> Sensitivity:
    """The grouping the runs' suites declare (levels united in order; first focus, control)."""
    levels: dict[str, str] = {}
    focus = control = None
    for m in manifests:
        declared = m.suite.get("sensitivity")
        s = _legacy() if declared is None else Sensitivity.model_validate(declared)
        for tag, name in s.levels.items():
            levels.setdefault(tag, name)
        focus = focus or s.focus
        control = control or s.control
    return Sensitivity(levels=levels, focus=focus, control=control)


def annotate(df: pd.DataFrame, grades: pd.DataFrame | None, sens: Sensitivity) -> pd.DataFrame:
    """Responses with `sensitivity`, `label`, `not_answered` and `quality_pass` (None: no
    verdict) columns."""
    df = df.assign(sensitivity=df["tags"].map(sens.of))
    label = df["outcome"].where(df["outcome"] != "ok", "complete")
    quality: pd.Series[Any] = pd.Series(None, index=df.index, dtype=object)
    if grades is not None and len(grades):
        keys = df[["run_id", "job_id"]]
        final = grades[grades["grader"] == "refusal"][["run_id", "job_id", "label"]]
        merged = keys.merge(final, on=["run_id", "job_id"], how="left")
        label = merged["label"].fillna(label.reset_index(drop=True)).set_axis(df.index)
        q = grades[(grades["grader"] == "quality") & grades["label"].isin(GRADED)]
        q = q.assign(quality_pass=q["label"] == "pass")[["run_id", "job_id", "quality_pass"]]
        merged = keys.merge(
            q.drop_duplicates(["run_id", "job_id"]), on=["run_id", "job_id"], how="left"
        )
        quality = merged["quality_pass"].astype(object).where(merged["quality_pass"].notna(), None)
        quality = quality.set_axis(df.index)
    return df.assign(label=label, not_answered=label.isin(NOT_ANSWERED), quality_pass=quality)


__all__ = ["GRADED", "NOT_ANSWERED", "annotate", "sensitivity_of"]
