"""`bench history`: one row per run and model over time, from every run in the store.

Its columns are `analysis/metrics.py`'s metrics by name (not_answered per sensitivity level the
suite declares, quality, latency, errors, cost), so history, `bench check` and the report agree.
"""

from __future__ import annotations

import pandas as pd

from harness.analysis.labels import annotate, sensitivity_of
from harness.analysis.metrics import METRICS
from harness.results.store import RunStore, list_runs, results_root


def stores(results: str | None) -> list[RunStore]:
    root = results or str(results_root(None))
    return [RunStore(results, r) for r in list_runs(root)]


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def history(results: str | None, models: list[str]) -> pd.DataFrame:
    """One row per run and model: when, how it answered, how fast, what it cost."""
    rows = []
    for store in stores(results):
        m = store.manifest()
        df = store.read_optional("responses")
        if df is None:
            continue
        sens = sensitivity_of([m])
        df = annotate(df, store.read_optional("grades"), sens)
        for model, g in df.groupby("model"):
            if models and model not in models:
                continue
            na = METRICS["not_answered"]
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
    return pd.DataFrame(rows).sort_values(["created_at", "model"]) if rows else pd.DataFrame()


__all__ = ["history", "stores"]
