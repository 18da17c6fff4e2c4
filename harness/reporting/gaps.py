"""Within one model: focus items against their mirrors, EN against ZH, this run against a
baseline. One McNemar test per model on paired items (the same model on both sides), so a gap
is the model's own, not a difference between models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.analysis.compare import Comparison, paired_bootstrap, paired_rates, quantile
from harness.analysis.metrics import timed
from harness.reporting.contests import Axis
from harness.reporting.pairing import linked
from harness.suites.model import Sensitivity


@dataclass(slots=True)
class Gaps:
    """Per model, one side against the other; a test's `a` is the model, `b` the other side."""

    axis: Axis
    sides: tuple[str, str]
    """How each side is named in a sentence ("China-sensitive items", "their US mirrors")."""
    tests: list[Comparison] = field(default_factory=list)


def mirrors(df: pd.DataFrame, sens: Sensitivity) -> Gaps | None:
    """Each model's focus items against their mirrors (all languages)."""
    if not sens.focus or "mirror_id" not in df:
        return None
    name = sens.levels.get(sens.focus, sens.focus)
    found = Gaps(
        Axis(
            "mirror", f"{name} items vs their mirrors", "not answered", "rate", "paired-comparisons"
        ),
        (f"{name} items", "their mirrors"),
    )
    left = df[(df["sensitivity"] == sens.focus) & df["mirror_id"].notna()]
    for model, (x, y) in linked(df, left, "mirror_id").items():
        t = paired_rates(model, "mirror", x, y)
        if t is not None:
            found.tests.append(t)
    return found if found.tests else None


def languages(df: pd.DataFrame, sens: Sensitivity) -> Gaps | None:
    """Each model's focus items in ZH against the same items in EN (translation pairs)."""
    if not sens.focus or "pair_id" not in df:
        return None
    name = sens.levels.get(sens.focus, sens.focus)
    found = Gaps(
        Axis("lang", f"{name} items, ZH vs EN", "not answered", "rate", "chart-refusals"),
        (f"{name} items in ZH", "the same items in EN"),
    )
    left = df[(df["sensitivity"] == sens.focus) & df["pair_id"].notna() & (df["lang"] == "zh")]
    for model, (x, y) in linked(df, left, "pair_id").items():
        t = paired_rates(model, "EN", x, y)
        if t is not None:
            found.tests.append(t)
    return found if found.tests else None


def _by_item(df: pd.DataFrame, column: str) -> pd.Series:
    """Keyed by case and repeat only: the same item in two runs of one suite."""
    s = df.set_index(df["case_id"] + "#" + df["repeat"].astype(str))[column]
    return s[~s.index.duplicated()]


def moved(df: pd.DataFrame, base: pd.DataFrame, sens: Sensitivity, run: str) -> list[Gaps]:
    """This run against a baseline run, per model in both: not answered on focus items,
    quality, TTFT p50 (the same items on both sides)."""
    name = sens.levels.get(sens.focus or "", "all")
    focus = (lambda d: d[d["sensitivity"] == sens.focus]) if sens.focus else (lambda d: d)
    out = []
    for column, label, unit, pick in (
        ("not_answered", f"not answered ({name} items)", "rate", focus),
        ("quality_pass", "quality pass rate", "rate", lambda d: d[d["quality_pass"].notna()]),
        ("ttft_s", "TTFT p50", "s", lambda d: timed(d)[timed(d)["ttft_s"].notna()]),
    ):
        found = Gaps(
            Axis(
                f"moved:{column}",
                f"Since baseline {run}: {label}",
                label,
                unit,
                "tests-behind-the-findings",
            ),
            ("this run", f"baseline {run}"),
        )
        now, then = pick(df), pick(base)
        for model in sorted(set(now["model"]) & set(then["model"])):
            a = _by_item(now[now["model"] == model], column)
            b = _by_item(then[then["model"] == model], column)
            shared = a.index.intersection(b.index)
            if unit == "rate":
                t = paired_rates(
                    model, run, list(a[shared].astype(bool)), list(b[shared].astype(bool))
                )
            else:
                x, y = a[shared].to_numpy(np.float64), b[shared].to_numpy(np.float64)
                t = paired_bootstrap(model, run, x, y, quantile(0.5))
            if t is not None:
                found.tests.append(t)
        if found.tests:
            out.append(found)
    return out


__all__ = ["Gaps", "languages", "mirrors", "moved"]
