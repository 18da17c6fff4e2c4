"""Charts as inline SVG (matplotlib's SVG backend): nothing fetched, nothing to host.

Quality (or answered rate) against cost with the Pareto front marked; latency distributions
per model; not-answered rate per category × language as a heatmap; trends across runs.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt
import pandas as pd

from harness.analysis import metrics
from harness.analysis.layers import BLOCKED, IN_WORDS, FamilyReading
from harness.reporting.fonts import chart_families
from harness.suites.model import Sensitivity

plt.rcParams.update(
    {"font.size": 9, "svg.fonttype": "none", "figure.dpi": 96, "font.family": chart_families()}
)


def _svg(fig: plt.Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def pareto(summary: pd.DataFrame, sens: Sensitivity) -> str | None:
    """x: USD per 1k requests; y: quality pass rate (else complete rate on control items)."""
    rows = []
    for r in summary.itertuples():
        score = r.quality.value if r.quality is not None else None
        control = r.not_answered.get(sens.control) if sens.control else None
        if score is None and control is not None:
            score = 1 - control.value
        if score is not None and r.cost_per_1k is not None:
            rows.append((r.model, r.cost_per_1k, score))
    if not rows:
        return None
    front, best = [], -1.0
    for _, cost, score in sorted(rows, key=lambda x: (x[1], -x[2])):
        if score > best:
            front.append((cost, score))
            best = score
    fig, ax = plt.subplots(figsize=(6.4, 3.3))
    for model, cost, score in rows:
        ax.scatter(cost, score, s=30)
        ax.annotate(model, (cost, score), fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.plot([c for c, _ in front], [s for _, s in front], "--", color="grey", label="Pareto front")
    control = sens.levels.get(sens.control or "", "control")
    label = (
        "quality pass rate"
        if summary["quality"].notna().any()
        else f"complete rate ({control} items)"
    )
    ax.set(xlabel="USD per 1,000 requests", ylabel=label, title="Quality against cost")
    ax.legend(loc="lower right")
    return _svg(fig)


def latency(df: pd.DataFrame) -> str | None:
    timed = metrics.timed(df)
    timed = timed[timed["ttft_s"].notna()]
    if timed.empty:
        return None
    models = list(dict.fromkeys(timed["model"]))
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(models) + 1.2))
    ax.boxplot(
        [timed.loc[timed["model"] == m, "ttft_s"] for m in models],
        vert=False,
        tick_labels=models,
        showfliers=False,
    )
    ax.set(xlabel="time to first token, s", title="TTFT per model (whiskers: 1.5 IQR)")
    return _svg(fig)


def heatmap(df: pd.DataFrame) -> str | None:
    tagged = df[df["sensitivity"] != "untagged"]
    if tagged.empty:
        return None
    table = tagged.pivot_table(
        index=["category", "lang"], columns="model", values="not_answered", aggfunc="mean"
    ).sort_index()
    if len(table) > 60:  # keep the page readable: the categories with the widest spread
        table = table.loc[
            (table.max(axis=1) - table.min(axis=1)).sort_values().index[-60:]
        ].sort_index()
    fig, ax = plt.subplots(figsize=(1.2 * len(table.columns) + 3, 0.22 * len(table) + 1.5))
    im = ax.imshow(table.to_numpy(dtype=float), aspect="auto", cmap="Reds", vmin=0, vmax=1)
    ax.set_xticks(range(len(table.columns)), table.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(table)), [f"{c} · {lang}" for c, lang in table.index], fontsize=7)
    fig.colorbar(im, ax=ax, label="not answered (refusal, evasive, narrative, blocked)")
    ax.set_title("Not-answered rate per category × language")
    return _svg(fig)


def families(readings: list[FamilyReading]) -> str | None:
    """Small multiples, one panel per family: each host's China-sensitive answers split by
    what stopped them (API block, withdrawn, refusal, evasive, official line)."""
    if not readings:
        return None
    fig, axes = plt.subplots(
        len(readings), 1, figsize=(6.4, 0.9 + 0.32 * sum(len(f.rows) for f in readings)),
        squeeze=False,
    )  # fmt: skip
    colours = ["#8c2d04", "#d94801", "#2171b5", "#6baed6", "#984ea3"]
    for ax, family in zip(axes[:, 0], readings, strict=True):
        names = [r.label if r.host == r.kind else f"{r.label} ({r.kind})" for r in family.rows]
        left = [0.0] * len(names)
        for kind, colour in zip((*BLOCKED, *IN_WORDS), colours, strict=True):
            shares = [r.rates[kind].value for r in family.rows]
            ax.barh(names, shares, left=left, color=colour, label=kind.replace("_", " "))
            left = [a + b for a, b in zip(left, shares, strict=True)]
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_title(f"{family.family}: share of China-sensitive prompts not answered", fontsize=9)
        ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    axes[0, 0].legend(loc="lower right", fontsize=7, ncols=5, bbox_to_anchor=(1, 1.15))
    fig.tight_layout()
    return _svg(fig)


def trends(trend: pd.DataFrame, focus: str) -> str | None:
    if trend.empty or trend["run_id"].nunique() < 2:
        return None
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 3))
    for model, g in trend.groupby("model"):
        a1.plot(g["run_id"], g["na_focus"], marker="o", label=model)
        a2.plot(g["run_id"], g["ttft_p50"], marker="o", label=model)
    a1.set(title=f"Not answered, {focus}", ylabel="rate")
    a2.set(title="TTFT p50", ylabel="s")
    for ax in (a1, a2):
        ax.tick_params(axis="x", rotation=30, labelsize=7)
    a2.legend(fontsize=7)
    return _svg(fig)


__all__ = ["heatmap", "latency", "pareto", "trends"]
