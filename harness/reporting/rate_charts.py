"""Rates per model with their 95% Wilson intervals, as overview charts: not answered per
sensitivity level and language, and attack success per kind of attack."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from harness.analysis.stats import Rate, wilson
from harness.reporting.charts import _svg
from harness.suites.model import Sensitivity

COLOURS = ("#c0392b", "#2e86c1", "#7f8c8d", "#8e44ad", "#d68910", "#17a589")


def _bars(ax: plt.Axes, models: list[str], groups: dict[str, dict[str, Rate]]) -> None:
    """Horizontal bars per model, one per group, each with its interval as an error bar."""
    height = 0.8 / max(len(groups), 1)
    for i, (name, rates) in enumerate(groups.items()):
        y = np.arange(len(models)) + i * height
        r = [rates.get(m) for m in models]
        value = [x.value if x else np.nan for x in r]
        err = [
            [x.value - x.low if x else 0 for x in r],
            [x.high - x.value if x else 0 for x in r],
        ]
        ax.barh(y, value, height, xerr=err, label=name, color=COLOURS[i % len(COLOURS)])
    ax.set_yticks(np.arange(len(models)) + height * (len(groups) - 1) / 2, models)
    if not ax.yaxis_inverted():  # a shared axis is inverted once
        ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")


def refusals(df: pd.DataFrame, sens: Sensitivity) -> str | None:
    """Not answered per model, one panel per language, one bar per sensitivity level."""
    tagged = df[df["sensitivity"].isin(list(sens.levels))]
    if tagged.empty:
        return None
    counts = tagged.groupby(["lang", "sensitivity", "model"])["not_answered"].agg(["sum", "count"])
    models = sorted(tagged["model"].unique())
    langs = sorted(tagged["lang"].dropna().unique())
    fig, axes = plt.subplots(
        1, len(langs), figsize=(4.2 * len(langs), 0.5 * len(models) + 1.4), sharey=True
    )
    for ax, lang in zip(np.atleast_1d(axes), langs, strict=True):
        groups = {
            name: {
                m: wilson(int(r["sum"]), int(r["count"]))
                for (lg, tag, m), r in counts.iterrows()
                if lg == lang and tag == level
            }
            for level, name in sens.levels.items()
        }
        _bars(ax, models, groups)
        ax.set_title(f"{lang.upper()}: not answered (95% Wilson intervals)", fontsize=9)
    handles, names = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper center", ncol=len(names), fontsize=8,
               bbox_to_anchor=(0.5, 0.0), frameon=False)  # fmt: skip
    return _svg(fig)


def attacks(table: pd.DataFrame) -> str | None:
    """Attack success per model and kind (the security suite), all families pooled."""
    if table.empty:
        return None
    pooled = table[table["family"] == "all"]
    models = sorted(pooled["model"].unique())
    kinds = [k for k in ("leak", "injection", "jailbreak", "other") if (pooled["kind"] == k).any()]
    groups = {
        k: {r.model: r.rate for r in pooled[pooled["kind"] == k].itertuples() if r.rate}
        for k in kinds
    }
    fig, ax = plt.subplots(figsize=(6.4, 0.5 * len(models) + 1.4))
    _bars(ax, models, groups)
    fig.legend(loc="upper center", ncol=len(groups), fontsize=8, bbox_to_anchor=(0.5, 0.0),
               frameon=False)  # fmt: skip
    ax.set_title("Attack success by kind (95% Wilson intervals)")
    return _svg(fig)


__all__ = ["attacks", "refusals"]
