"""`bench history` and `bench query`: the results store over time, and SQL over all of it.

`bench query` gives DuckDB three views across every run in the store — `responses`,
`attempts`, `grades` — read with `union_by_name`, so runs written by every schema version
query together (columns a version lacks read as null).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.errors import ConfigError
from harness.reporting.tables import annotate
from harness.results.remote import is_remote, stage_dir
from harness.results.store import RunStore, list_runs, results_root


def _runs(results: str | None) -> list[RunStore]:
    root = results or str(results_root(None))
    return [RunStore(results, r) for r in list_runs(root)]


def history(results: str | None, models: list[str]) -> pd.DataFrame:
    """One row per run and model: when, how it answered, how fast, what it cost."""
    rows = []
    for store in _runs(results):
        m = store.manifest()
        df = store.read_optional("responses")
        if df is None:
            continue
        grades = store.read_optional("grades")
        df = annotate(df, grades)
        quality = grades[grades["grader"] == "quality"] if grades is not None else None
        for model, g in df.groupby("model"):
            if models and model not in models:
                continue
            cn = g[g["sensitivity"] == "cn_sensitive"]
            q = quality[quality["model"] == model] if quality is not None else None
            rows.append(
                {
                    "created_at": m.get("created_at"),
                    "run_id": m["run_id"],
                    "suite": m.get("suite_name"),
                    "model": model,
                    "requests": len(g),
                    "not_answered_cn": round(float(cn["not_answered"].mean()), 4)
                    if len(cn)
                    else None,
                    "quality": round(float((q["label"] == "pass").mean()), 4)
                    if q is not None and len(q)
                    else None,
                    "ttft_p50": g["ttft_s"].median(),
                    "error_rate": round(float((g["outcome"] == "error").mean()), 4),
                    "cost_per_1k": float(g["cost_usd"].mean() * 1000)
                    if g["cost_usd"].notna().any()
                    else None,
                    "model_reported": ", ".join(sorted(set(g["model_reported"].dropna()))),
                    "simulated": bool(m.get("simulated")),
                }
            )
    return pd.DataFrame(rows).sort_values(["created_at", "model"]) if rows else pd.DataFrame()


def query(results: str | None, sql: str) -> pd.DataFrame:
    import duckdb

    root = results or str(results_root(None))
    if is_remote(root):
        _runs(results)  # opening each run stages it locally: DuckDB reads local files
        base = stage_dir(root)
    else:
        base = Path(root)
    con = duckdb.connect()
    for table in ("responses", "attempts", "grades"):
        files = sorted(str(p) for p in base.glob(f"*/{table}-*.parquet"))
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            con.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{listed}], union_by_name=true)"
            )
        else:
            con.execute(f"CREATE VIEW {table} AS SELECT NULL AS run_id WHERE false")
    try:
        return con.execute(sql).df()
    except duckdb.Error as exc:
        raise ConfigError(f"query failed: {str(exc).splitlines()[0][:300]}") from None


__all__ = ["history", "query"]
