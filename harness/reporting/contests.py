"""Who leads on each axis, tested against every other model on the items both answered.

Each contest names the model with the best point figure (cheapest per correct answer, lowest
TTFT p50 and p95, highest quality, most and least not-answered on focus items per language)
and compares it with each other model on shared items. Whether that makes a finding is
decided in `findings.py`, after every test in the report is adjusted together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.analysis.compare import Comparison, paired_bootstrap, paired_rates, quantile, ratio
from harness.analysis.metrics import timed
from harness.suites.model import Sensitivity

Test = Callable[[str, str, pd.DataFrame, pd.DataFrame], Comparison | None]


@dataclass(frozen=True, slots=True)
class Axis:
    key: str
    """Identifies the data compared: contests on the same data share their tests."""
    topic: str
    metric: str
    unit: str
    """"usd", "s" or "rate": how figures and differences are written."""
    evidence: str
    """The anchor of the chart or table that shows it."""


@dataclass(slots=True)
class Contest:
    """One axis: every model's figure, the leader, and the leader's tests against the rest."""

    axis: Axis
    highest: bool
    """Whether the highest figure leads (else the lowest)."""
    values: dict[str, float]
    leader: str
    tests: list[Comparison] = field(default_factory=list)


ITEM = "_item"
"""An integer per item answer (run, case, repeat), numbered once for all comparisons."""


def number_items(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with `ITEM`: comparisons never pair answers across runs."""
    keys = ["run_id", "case_id", "repeat"]
    return df.assign(**{ITEM: df.groupby(keys, sort=False, observed=True).ngroup()})


def wide(rows: pd.DataFrame, columns: list[str]) -> dict[str, pd.DataFrame]:
    """Per model, its rows indexed by item, for pairing with another model's."""
    keyed = rows.drop_duplicates([ITEM, "model"])
    return {m: g.set_index(ITEM)[columns] for m, g in keyed.groupby("model", sort=True)}


def contest(
    frames: dict[str, pd.DataFrame],
    value: Callable[[pd.DataFrame], float],
    test: Test,
    highest: bool,
    axis: Axis,
) -> Contest | None:
    """The leader by `value` against each other model, on the items both have."""
    values = {m: value(f) for m, f in frames.items() if len(f)}
    values = {m: v for m, v in values.items() if np.isfinite(v)}
    if len(values) < 2:
        return None
    leader = (max if highest else min)(values, key=lambda m: values[m])
    found = Contest(axis, highest, values, leader)
    mine = frames[leader]
    for other in sorted(values):
        if other == leader:
            continue
        shared = mine.index.intersection(frames[other].index)
        t = test(leader, other, mine.loc[shared], frames[other].loc[shared])
        if t is not None:
            found.tests.append(t)
    return found if found.tests else None


def _rate_test(a: str, b: str, x: pd.DataFrame, y: pd.DataFrame) -> Comparison | None:
    both = x.iloc[:, 0].notna().to_numpy() & y.iloc[:, 0].notna().to_numpy()
    return paired_rates(
        a, b, list(x.iloc[:, 0][both].astype(bool)), list(y.iloc[:, 0][both].astype(bool))
    )


def _rate(f: pd.DataFrame) -> float:
    decided = f.iloc[:, 0].dropna()
    return float(decided.astype(bool).mean()) if len(decided) else float("nan")


def cost_per_correct(df: pd.DataFrame) -> Contest | None:
    """Priced rows with a quality verdict: USD spent over correct answers."""
    rows = df[df["quality_pass"].notna() & df["cost_usd"].notna()]
    rows = rows.assign(passed=rows["quality_pass"].astype(bool).astype(float))
    frames = wide(rows, ["cost_usd", "passed"])

    def value(f: pd.DataFrame) -> float:
        return float(ratio(f.to_numpy()[None])[0])

    def test(a: str, b: str, x: pd.DataFrame, y: pd.DataFrame) -> Comparison | None:
        return paired_bootstrap(a, b, x.to_numpy(), y.to_numpy(), ratio)

    return contest(
        frames,
        value,
        test,
        False,
        Axis(
            "cost_per_correct",
            "Cheapest per correct answer",
            "USD per correct answer",
            "usd",
            "chart-pareto",
        ),
    )


def ttft(frames: dict[str, pd.DataFrame], q: float) -> Contest | None:
    """`frames`: each model's timed rows with a TTFT (`wide`)."""

    def test(a: str, b: str, x: pd.DataFrame, y: pd.DataFrame) -> Comparison | None:
        return paired_bootstrap(a, b, x.to_numpy(), y.to_numpy(), quantile(q))

    name = f"TTFT p{round(q * 100)}"
    return contest(
        frames,
        lambda f: float(f["ttft_s"].quantile(q)),
        test,
        False,
        Axis(f"ttft_p{round(q * 100)}", f"Fastest {name}", name, "s", "chart-latency"),
    )


def quality(df: pd.DataFrame) -> Contest | None:
    frames = wide(df[df["quality_pass"].notna()], ["quality_pass"])
    return contest(
        frames,
        _rate,
        _rate_test,
        True,
        Axis("quality", "Highest quality", "quality pass rate", "rate", "summary-per-model"),
    )


def not_answered(df: pd.DataFrame, sens: Sensitivity) -> list[Contest]:
    """Most and least not-answered on focus items, per language."""
    if not sens.focus:
        return []
    focus = df[df["sensitivity"] == sens.focus]
    name = sens.levels.get(sens.focus, sens.focus)
    out = []
    for lang in sorted(focus["lang"].dropna().unique()):
        frames = wide(focus[focus["lang"] == lang], ["not_answered"])
        ends = ((True, "Most"), (False, "Least"))
        for highest, word in ends if len(frames) > 2 else ends[:1]:  # two: one test
            found = contest(
                frames,
                _rate,
                _rate_test,
                highest,
                Axis(
                    f"na:{lang}",
                    f"{word} not answered on {name} items, {lang.upper()}",
                    f"not answered ({name}, {lang.upper()})",
                    "rate",
                    "chart-refusals",
                ),
            )
            if found is not None:
                out.append(found)
    return out


def contests(df: pd.DataFrame, sens: Sensitivity) -> list[Contest]:
    """`df`: annotated responses with `ITEM` (`number_items`)."""
    rows = timed(df)
    latencies = wide(rows[rows["ttft_s"].notna()], ["ttft_s"])
    found = [cost_per_correct(df), ttft(latencies, 0.5), ttft(latencies, 0.95), quality(df)]
    return [c for c in found if c is not None] + not_answered(df, sens)


__all__ = ["ITEM", "Axis", "Contest", "contests", "number_items", "wide"]
