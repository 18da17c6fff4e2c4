"""`bench query`: SQL (DuckDB) over every run in the store.

Three views — `responses`, `attempts`, `grades` — read with `union_by_name`, so runs written by
every schema version query together (columns a version lacks read as null). Only runs whose
manifests read are queried; when DuckDB cannot read a file, the runs with damaged Parquet are
found, named on stderr and left out, and the query runs again over the rest.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.errors import ConfigError, ResultsError
from harness.nightly.history import stores
from harness.results.notice import skipped_run
from harness.results.remote import is_remote
from harness.results.store import RunStore, results_root

TABLES = ("responses", "attempts", "grades")


def query(results: str | None, sql: str) -> pd.DataFrame:
    import duckdb

    runs = stores(results)
    if is_remote(results or str(results_root(None))):
        for store in runs:  # DuckDB reads local files: stage every run
            store.has("responses")
    while True:  # (each pass leaves out at least one damaged run, or ends)
        try:
            return _run([s.dir for s in runs], sql)
        except (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException) as exc:
            raise _failed(exc) from None  # (the SQL itself is wrong: no file is to blame)
        except duckdb.Error as exc:
            damaged = _damaged(runs)
            if not damaged:
                raise _failed(exc) from None
        for store, reason in damaged:
            skipped_run(store.run_id, reason)
        bad = {store.run_id for store, _ in damaged}
        runs = [s for s in runs if s.run_id not in bad]


def _run(dirs: list[Path], sql: str) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    for table in TABLES:
        files = sorted(str(p) for d in dirs for p in d.glob(f"{table}-*.parquet"))
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            con.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{listed}], union_by_name=true)"
            )
        else:
            con.execute(f"CREATE VIEW {table} AS SELECT NULL AS run_id WHERE false")
    return con.execute(sql).df()


def _damaged(runs: list[RunStore]) -> list[tuple[RunStore, str]]:
    """Runs with a Parquet part that does not read: footers first (cheap), then, if every
    footer reads, whole tables."""
    found = [(s, why) for s in runs if (why := _unreadable(s, whole=False))]
    return found or [(s, why) for s in runs if (why := _unreadable(s, whole=True))]


def _unreadable(store: RunStore, whole: bool) -> str | None:
    try:
        for table in TABLES:
            if store.has(table):
                store.verify(table, whole)
    except ResultsError as exc:
        return str(exc)
    return None


def _failed(exc: Exception) -> ConfigError:
    return ConfigError(f"query failed: {str(exc).splitlines()[0][:300]}")


__all__ = ["query"]
