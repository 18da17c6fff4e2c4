"""`bench query`: SQL (DuckDB) over every run in the store.

Three views — `responses`, `attempts`, `grades` — read with `union_by_name`, so runs written by
every schema version query together (columns a version lacks read as null).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.errors import ConfigError
from harness.nightly.history import stores
from harness.results.remote import is_remote, stage_dir
from harness.results.store import results_root


def query(results: str | None, sql: str) -> pd.DataFrame:
    import duckdb

    root = results or str(results_root(None))
    if is_remote(root):
        for store in stores(results):  # DuckDB reads local files: stage every run
            store.has("responses")
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


__all__ = ["query"]
