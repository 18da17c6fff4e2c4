"""The results store: `<root>/<run_id>/` with manifest, journal and Parquet parts.

The journal (journal.py) is the source of truth; Parquet parts are derived from it by
`compact()`, written to a temporary name and renamed. Opening a store does no I/O: on an
object store, reading a manifest fetches only the manifest, and the rest of a run is fetched
the first time a table or the journal is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import ValidationError

from harness.errors import ResultsError
from harness.results.journal import Journal
from harness.results.manifest import Manifest
from harness.results.records import GradeRow, JournalRecord
from harness.results.remote import Remote, is_remote, stage_dir
from harness.results.schema import SCHEMAS, TIMESTAMPS, upgrade

if TYPE_CHECKING:
    import pandas as pd  # (pandas is loaded only by readers that ask for a DataFrame)

PART_ROWS = 5_000
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def results_root(given: str | Path | None) -> Path:
    """`--results`, else $BENCH_RESULTS, else ./results."""
    return Path(given or os.environ.get("BENCH_RESULTS") or "results")


def new_run_id(suite_name: str) -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{suite_name}"


class RunStore:
    def __init__(self, root: str | Path | None, run_id: str) -> None:
        if not _RUN_ID.match(run_id):
            raise ResultsError(
                f"run id {run_id!r}: use letters, digits, '.', '_' or '-' (at most 100)"
            )
        self.run_id = run_id
        url = self.root = str(root or os.environ.get("BENCH_RESULTS") or "results")
        self.remote = Remote(url) if is_remote(url) else None
        self.dir = (stage_dir(url) if self.remote else results_root(root)) / run_id
        self.manifest_path = self.dir / "manifest.json"
        self.journal = Journal(self.dir / "journal.jsonl")
        self._pulled = self._manifest_pulled = self.remote is None

    # ----------------------------------------------------------------- remote

    def _fetch(self) -> None:
        """The whole run, once, when something beyond the manifest is read."""
        if not self._pulled:
            assert self.remote is not None
            self.remote.pull(self.run_id, self.dir)
            self._pulled = True

    def _push(self, names: list[str] | None = None) -> None:
        """Upload finished files when the store is remote (see harness/results/remote.py)."""
        if self.remote is None:
            return
        files = [self.dir / n for n in names] if names else sorted(self.dir.iterdir())
        self.remote.push(self.run_id, [f for f in files if not f.name.endswith(".tmp")])

    # ----------------------------------------------------------------- manifest

    def exists(self) -> bool:
        if self.remote is not None:
            return self.remote.exists(self.run_id)
        return self.manifest_path.is_file()

    def create(self, manifest: Manifest, overwrite: bool = False) -> None:
        self._fetch()
        if self.dir.exists() and any(self.dir.iterdir()):
            if not overwrite:
                raise ResultsError(
                    f"{self.dir} already holds a run; pick another --run-id, "
                    f"or finish it with --resume {self.run_id}"
                )
            for child in self.dir.iterdir():
                if child.is_file():
                    child.unlink()
            if self.remote is not None:
                self.remote.clear(self.run_id)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ResultsError(
                f"{self.dir}: cannot create ({exc.strerror}); check --results"
            ) from None
        self.write_manifest(manifest)

    def manifest(self) -> Manifest:
        if not self._manifest_pulled:
            assert self.remote is not None
            self.remote.pull_manifest(self.run_id, self.dir)
            self._manifest_pulled = True
        if not self.manifest_path.is_file():
            raise ResultsError(
                f"{self.manifest_path}: no such run; check the run id and --results "
                f"(runs here: {', '.join(list_runs(self.root)) or 'none'})"
            )
        try:
            return Manifest.model_validate_json(self.manifest_path.read_bytes())
        except (OSError, ValidationError) as exc:
            raise ResultsError(
                f"{self.manifest_path}: unreadable ({type(exc).__name__}); "
                "the run directory is damaged"
            ) from None

    def write_manifest(self, manifest: Manifest) -> None:
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        os.replace(tmp, self.manifest_path)
        self._push(["manifest.json"])

    # ----------------------------------------------------------------- journal

    def open_journal(self) -> Journal:
        self._fetch()
        self.journal.open()
        return self.journal

    def close_journal(self) -> None:
        self.journal.close()

    def records(self) -> Iterator[JournalRecord]:
        self._fetch()
        return self.journal.records()

    def spent_usd(self) -> float:
        """USD the run has spent so far: its answers, and its judges' attempts."""
        total = 0.0
        for rec in self.records():
            if rec.row is not None:
                total += rec.row.cost_usd or 0.0
            total += sum(a.cost_usd or 0.0 for a in rec.attempts if a.purpose == "judge")
        return total

    def done_ids(self) -> set[str]:
        self._fetch()
        return {row["job_id"] for row, _ in self.journal.checked() if row is not None}

    # ----------------------------------------------------------------- parquet

    def compact(self) -> int:
        """Rewrite the Parquet parts from the journal; returns the number of response rows."""
        parts = {"responses": _Parts(self, "responses"), "attempts": _Parts(self, "attempts")}
        seen: set[str] = set()
        self._fetch()
        for row, attempts in self.journal.checked():
            if row is not None:
                if row["job_id"] in seen:
                    continue  # a job journaled twice (resumed mid-write) is kept once
                seen.add(row["job_id"])
                parts["responses"].add(row)
            for att in attempts:
                parts["attempts"].add(att)
        for p in parts.values():
            p.close()
        self._push()
        return parts["responses"].total

    def _write_part(self, table: str, index: int, rows: list[dict[str, Any]]) -> None:
        data = _arrow(table, rows)
        path = self.dir / f"{table}-{index:05d}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(data, tmp, compression="zstd")
        os.replace(tmp, path)

    def write_grades(self, rows: Sequence[GradeRow]) -> int:
        """Replace the run's grades (grading is re-runnable and costs no API calls)."""
        self._fetch()
        n = 0
        for n, start in enumerate(range(0, max(len(rows), 1), PART_ROWS), 1):
            self._write_part(
                "grades", n - 1, [r.to_json() for r in rows[start : start + PART_ROWS]]
            )
        self._drop_parts("grades", n)
        self._push([p.name for p in self.dir.glob("grades-*.parquet")])
        return len(rows)

    def _drop_parts(self, table: str, keep: int) -> None:
        for path in self.dir.glob(f"{table}-*.parquet"):
            index = int(path.stem.rsplit("-", 1)[1])
            if index >= keep:
                path.unlink()
                if self.remote is not None:
                    self.remote.delete(self.run_id, [path.name])

    def has(self, table: str) -> bool:
        self._fetch()
        return any(self.dir.glob(f"{table}-*.parquet"))

    def read_optional(self, table: str) -> pd.DataFrame | None:
        """A table as a DataFrame, or None when the run has none (e.g. not graded yet)."""
        return self.read(table).to_pandas() if self.has(table) else None

    def read(self, table: str = "responses") -> pa.Table:
        """A table of this run in the current schema, whichever version wrote it."""
        self._fetch()
        parts = sorted(self.dir.glob(f"{table}-*.parquet"))
        if not parts:
            raise ResultsError(
                f"{self.dir}: no {table} Parquet files; the run may still be going or was "
                f"interrupted: finish it with `bench run --resume {self.run_id}`"
            )
        try:
            tables = [pq.read_table(p) for p in parts]
        except (OSError, pa.ArrowInvalid) as exc:
            raise ResultsError(
                f"{self.dir}: unreadable Parquet ({type(exc).__name__}); "
                f"rebuild it with `bench run --resume {self.run_id}`"
            ) from None
        return pa.concat_tables([upgrade(t, SCHEMAS[table]) for t in tables])


class _Parts:
    """Rows of one table written as parts of PART_ROWS; parts left from before are dropped."""

    def __init__(self, store: RunStore, table: str) -> None:
        self.store, self.table = store, table
        self.rows: list[dict[str, Any]] = []
        self.index = self.total = 0

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= PART_ROWS:
            self._flush()

    def _flush(self) -> None:
        self.store._write_part(self.table, self.index, self.rows)
        self.index, self.total, self.rows = self.index + 1, self.total + len(self.rows), []

    def close(self) -> None:
        if self.rows or self.index == 0:
            self._flush()
        self.store._drop_parts(self.table, self.index)


def _arrow(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows → an Arrow table of the pinned schema; epoch-second floats become UTC timestamps
    column-wise (one conversion per column, not a datetime per row)."""
    schema = SCHEMAS[table]
    stamps = TIMESTAMPS[table]
    as_float = pa.schema(
        [pa.field(f.name, pa.float64()) if f.name in stamps else f for f in schema]
    )
    data = pa.Table.from_pylist(rows, schema=as_float)
    for name in stamps:
        i = data.schema.get_field_index(name)
        micros = pc.cast(pc.round(pc.multiply(data.column(i), 1e6)), pa.int64())
        data = data.set_column(i, schema.field(name), micros.cast(schema.field(name).type))
    return data.replace_schema_metadata(schema.metadata)


def list_runs(root: str | Path) -> list[str]:
    if is_remote(str(root)):
        return Remote(str(root)).runs()
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file())


__all__ = ["PART_ROWS", "RunStore", "list_runs", "new_run_id", "results_root"]
