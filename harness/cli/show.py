"""Printing what commands share: a run's reliability summary, grading results, a table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from harness.cli.options import out
from harness.errors import ConfigError
from harness.results.manifest import RunSummary

if TYPE_CHECKING:
    import pandas as pd

    from harness.grading.grade import GradeSummary


def run_summary(s: RunSummary) -> None:
    """The run's reliability figures: failed attempts, backoffs, cache, suspect latency."""
    if s.failed_attempts:
        out.print(
            "failed attempts (retried or final): "
            + ", ".join(f"{k} {v}" for k, v in sorted(s.failed_attempts.items()))
        )
    for endpoint, g in s.adaptive.items():
        out.print(
            f"adaptive concurrency {endpoint}: backed off {g.cuts}x under 429s, "
            f"down to {g.low}, ended at {g.final} of {g.max}"
        )
    if s.cached:
        out.print(f"cached: {s.cached} answers served from earlier runs (no request, no latency)")
    if s.latency_suspect:
        out.print(
            f"latency_suspect: {s.latency_suspect} rows measured while bench's own loop "
            f"lagged (max {s.max_loop_lag_ms} ms); lower --concurrency for latency work"
        )


def grades(summary: GradeSummary, judge_all: bool) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_grader.items()))
    out.print(f"grades: {summary.rows} rows ({counts or 'no grader applied'})")
    if summary.judged:
        which = "" if judge_all else " (those the rules were unsure of)"
        out.print(f"judged: {summary.judged} answers{which}")
    for pair, kappa in summary.kappa.items():
        shown = "n/a" if kappa is None else f"{kappa:.2f}"
        out.print(f"judge agreement (Cohen's kappa) {pair}: {shown}")


FORMULA = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (CSV injection): such text cells are
prefixed with a quote, so a model or item id like `=HYPERLINK(…)` stays text."""


def _inert(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return value


def frame(df: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        text = df.select_dtypes(include=["object", "string"]).columns
        safe = df.assign(**{c: df[c].map(_inert) for c in text})
        print(safe.to_csv(index=False), end="")
    elif fmt == "json":
        print(df.to_json(orient="records", force_ascii=False, date_format="iso"))
    elif fmt == "table":
        table = Table()
        for col in df.columns:
            table.add_column(str(col))
        for row in df.itertuples(index=False):
            table.add_row(
                *("" if v is None or (isinstance(v, float) and v != v) else str(v) for v in row)
            )
        out.print(table)
    else:
        raise ConfigError(f"--format {fmt!r}: use table, csv or json")


__all__ = ["frame", "grades", "run_summary"]
