"""The results store: `<root>/<run_id>/` with manifest, journal and Parquet parts.

The journal is the source of truth: one JSON line per finished job, written, flushed and
fsync'd as the job lands, so a crash (even kill -9) loses at most the requests in flight.
Parquet parts are derived from it by `compact()`, written to a temporary name and renamed.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from harness.errors import ResultsError
from harness.results.remote import Remote, is_remote, stage_dir
from harness.results.schema import ATTEMPTS, GRADES, RESPONSES, SCHEMAS, upgrade

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
        self.journal_path = self.dir / "journal.jsonl"
        self._journal: Any = None
        if self.remote is not None:
            self.remote.pull(run_id, self.dir)

    # ----------------------------------------------------------------- lifecycle

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def _push(self, names: list[str] | None = None) -> None:
        """Upload finished files when the store is remote (see harness/results/remote.py)."""
        if self.remote is None:
            return
        files = [self.dir / n for n in names] if names else sorted(self.dir.iterdir())
        self.remote.push(self.run_id, [f for f in files if not f.name.endswith(".tmp")])

    def create(self, manifest: dict[str, Any], overwrite: bool = False) -> None:
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

    def manifest(self) -> dict[str, Any]:
        if not self.manifest_path.is_file():
            raise ResultsError(
                f"{self.manifest_path}: no such run; check the run id and --results "
                f"(runs here: {', '.join(list_runs(self.root)) or 'none'})"
            )
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ResultsError(
                f"{self.manifest_path}: unreadable ({type(exc).__name__}); "
                "the run directory is damaged"
            ) from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.manifest_path)
        self._push(["manifest.json"])

    # ----------------------------------------------------------------- journal

    def open_journal(self) -> None:
        self._repair_tail()
        self._journal = open(self.journal_path, "a", encoding="utf-8")  # noqa: SIM115

    def _repair_tail(self) -> None:
        """Cut a torn last line (a crash mid-write) so appends start on a fresh line."""
        if not self.journal_path.is_file():
            return
        with open(self.journal_path, "rb+") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)

    def append(self, row: dict[str, Any], attempts: list[dict[str, Any]]) -> None:
        self.write_line(row, attempts)
        os.fsync(self._journal.fileno())

    def write_line(self, row: dict[str, Any], attempts: list[dict[str, Any]]) -> None:
        """Write and flush one record (in the OS's hands: it survives kill -9); see `sync`."""
        line = json.dumps({"row": row, "attempts": attempts}, ensure_ascii=False, default=str)
        self._journal.write(line + "\n")
        self._journal.flush()

    async def sync(self) -> None:
        """fsync the journal off the event loop, so the disk never stalls the requests' clock."""
        await asyncio.to_thread(os.fsync, self._journal.fileno())

    def close_journal(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def records(self) -> Iterator[dict[str, Any]]:
        """Journal records in order; a torn or garbled line is skipped, never fatal."""
        if not self.journal_path.is_file():
            return
        with open(self.journal_path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.endswith("\n"):
                    break
                try:
                    yield json.loads(line)
                except ValueError:
                    continue

    def done_ids(self) -> set[str]:
        return {rec["row"]["job_id"] for rec in self.records()}

    # ----------------------------------------------------------------- parquet

    def compact(self) -> int:
        """Rewrite the Parquet parts from the journal; returns the number of response rows."""
        rows: list[dict[str, Any]] = []
        attempts: list[dict[str, Any]] = []
        n_rows = n_parts = n_att_parts = 0
        seen: set[str] = set()
        for rec in self.records():
            row = rec["row"]
            if row["job_id"] in seen:
                continue
            seen.add(row["job_id"])
            rows.append(row)
            attempts.extend(rec.get("attempts", ()))
            if len(rows) >= PART_ROWS:
                self._write_part("responses", n_parts, rows, RESPONSES)
                n_rows, n_parts, rows = n_rows + len(rows), n_parts + 1, []
            if len(attempts) >= PART_ROWS:
                self._write_part("attempts", n_att_parts, attempts, ATTEMPTS)
                n_att_parts, attempts = n_att_parts + 1, []
        if rows or n_parts == 0:
            self._write_part("responses", n_parts, rows, RESPONSES)
            n_rows, n_parts = n_rows + len(rows), n_parts + 1
        if attempts or n_att_parts == 0:
            self._write_part("attempts", n_att_parts, attempts, ATTEMPTS)
            n_att_parts += 1
        self._drop_parts("responses", n_parts)
        self._drop_parts("attempts", n_att_parts)
        self._push()
        return n_rows

    def _write_part(
        self, table: str, index: int, rows: list[dict[str, Any]], schema: pa.Schema
    ) -> None:
        for row in rows:
            for key in ("started_at", "graded_at"):
                ts = row.get(key)
                if isinstance(ts, int | float):
                    row[key] = datetime.fromtimestamp(ts, UTC)
        data = pa.Table.from_pylist(rows, schema=schema)
        path = self.dir / f"{table}-{index:05d}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(data, tmp, compression="zstd")
        os.replace(tmp, path)

    def write_grades(self, rows: list[dict[str, Any]]) -> int:
        """Replace the run's grades (grading is re-runnable and costs no API calls)."""
        n = 0
        for n, start in enumerate(range(0, max(len(rows), 1), PART_ROWS), 1):
            self._write_part("grades", n - 1, rows[start : start + PART_ROWS], GRADES)
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
        return any(self.dir.glob(f"{table}-*.parquet"))

    def read_optional(self, table: str) -> pd.DataFrame | None:
        """A table as a DataFrame, or None when the run has none (e.g. not graded yet)."""
        return self.read(table).to_pandas() if self.has(table) else None

    def read(self, table: str = "responses") -> pa.Table:
        """A table of this run in the current schema, whichever version wrote it."""
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


def list_runs(root: str | Path) -> list[str]:
    if is_remote(str(root)):
        return Remote(str(root)).runs()
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file())


__all__ = ["PART_ROWS", "RunStore", "list_runs", "new_run_id", "results_root"]
