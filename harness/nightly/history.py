"""`bench history`: one row per run and model over time, from every run in the store.

Its columns are `analysis/metrics.py`'s metrics by name (not_answered per sensitivity level the
suite declares, quality, latency, errors, cost), so history, `bench check` and the report agree.
A damaged run (its manifest or a Parquet part unreadable) is named on stderr and left out, so
one bad directory never hides the others.
"""

from __future__ import annotations

import pandas as pd

from harness.analysis.labels import annotate, sensitivity_of
from harness.analysis.metrics import METRICS
from harness.errors import ResultsError
from harness.results.manifest import Manifest
from harness.results.notice import skipped_run
from harness.results.store import RunStore, list_runs, results_root


def readable(results: str | None) -> list[tuple[RunStore, Manifest]]:
    """Every run of the store whose manifest reads, with it; the others are named on stderr
    and skipped."""
    root = results or str(results_root(None))
    found = []
    for run_id in list_runs(root):
        try:
            store = RunStore(results, run_id)
            found.append((store, store.manifest()))
        except ResultsError as exc:
            skipped_run(run_id, str(exc))
    return found


def stores(results: str | None) -> list[RunStore]:
    """The store's runs whose manifests read (damaged ones are named and skipped)."""
    return [store for store, _ in readable(results)]


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def history(results: str | None, models: list[str]) -> pd.DataFrame:
    """One row per run and model: when, how it answered, how fast, what it cost."""
    rows = []
    for store, m in readable(results):
        try:
            df = store.read_optional("responses")
            grades = store.read_optional("grades") if df is not None else None
        except ResultsError as exc:
            skipped_run(store.run_id, str(exc))
            continue
        if df is not None:
            rows += _rows(m, df, grades, models)
    return pd.DataFrame(rows).sort_values(["created_at", "model"]) if rows else pd.DataFrame()


def _rows(
    m: Manifest, df: pd.DataFrame, grades: pd.DataFrame | None, models: list[str]
) -> list[dict[str, object]]:
    """A run's history rows, one per model."""
    sens = sensitivity_of([m])
    df = annotate(df, grades, sens)
    na = METRICS["not_answered"]
    rows = []
    for model, g in df.groupby("model"):
        if models and model not in models:
            continue
        rows.append(
            {
                "created_at": m.created_at,
                "run_id": m.run_id,
                "suite": m.suite_name,
                "model": model,
                "requests": len(g),
                **{
                    f"not_answered_{tag}": _round(na.value(x))
                    for tag in sens.levels
                    if len(x := g[g["sensitivity"] == tag])
                },
                **{
                    name: _round(METRICS[name].value(g))
                    for name in ("quality", "ttft_p50", "e2e_p95", "error_rate", "cost_per_1k")
                },
                "model_reported": ", ".join(sorted(set(g["model_reported"].dropna()))),
                "simulated": m.simulated,
            }
        )
    return rows


__all__ = ["history", "readable", "stores"]
