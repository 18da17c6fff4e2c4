"""The results store: `<root>/<run_id>/` with manifest, journal and Parquet parts.

The journal (journal.py) is the source of truth; Parquet parts are derived from it by
`compact()`: every part of a table is written to a temporary name first and all are renamed
only once all are written, so an interrupt or a full disk during compaction leaves the
previous parts whole (and `--resume` compacts again). A journal that is missing or holds no
usable line while Parquet parts exist is rebuilt from them before it is read or written, so
a recorded job is never sent again nor its stored answer overwritten. Opening a store does no
I/O: on an object store, reading a manifest fetches only the manifest, and the rest of a run
is fetched the first time a table or the journal is read.

Everything read back is typed: a damaged manifest, journal line or Parquet part is named with
its path and the fix, as one line, never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from pydantic import ValidationError

from harness.errors import ResultsError
from harness.results.journal import Journal
from harness.results.manifest import Manifest
from harness.results.notice import notice
from harness.results.records import AttemptRow, GradeRow, JournalRecord, Record, ResponseRow
from harness.results.redact import redact, redactor
from harness.results.remote import Remote, is_remote, stage_dir
from harness.results.schema import SCHEMAS, TIMESTAMPS, upgrade

if TYPE_CHECKING:
    import pandas as pd  # (pandas is loaded only by readers that ask for a DataFrame)

PART_ROWS = 5_000
GROUP_ROWS = 1_000
"""Rows converted and written at once (a Parquet row group): what compaction holds."""
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
"""Matched whole (fullmatch): `$` would let a trailing newline through."""
_TABLES = ("responses", "attempts")
"""The tables compaction derives from the journal."""


def results_root(given: str | Path | None) -> Path:
    """`--results`, else $BENCH_RESULTS, else ./results."""
    return Path(given or os.environ.get("BENCH_RESULTS") or "results")


def new_run_id(suite_name: str) -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{suite_name}"


class RunStore:
    def __init__(self, root: str | Path | None, run_id: str) -> None:
        if not _RUN_ID.fullmatch(run_id):
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
        self._journal_checked = False
        self._skips_told = False

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
        self._drop_leftovers()
        if self.dir.exists() and any(self.dir.iterdir()):
            if not overwrite:
                raise ResultsError(self._occupied())
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

    def _occupied(self) -> str:
        if self.manifest_path.is_file():
            return (
                f"{self.dir} already holds a run; pick another --run-id, "
                f"or finish it with --resume {self.run_id}"
            )
        return (
            f"{self.dir} holds files but no manifest.json, so it is no run bench can resume; "
            "move them away, pick another --run-id, or pass --overwrite"
        )

    def _drop_leftovers(self) -> None:
        """Temporary files of a write that never finished (an interrupt, a full disk): they
        hold nothing the run needs, and must not make the run id look taken."""
        if self.dir.is_dir():
            for tmp in self.dir.glob("*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()

    def manifest(self) -> Manifest:
        if not self._manifest_pulled:
            assert self.remote is not None
            self.remote.pull_manifest(self.run_id, self.dir)
            self._manifest_pulled = True
        if not self.manifest_path.is_file():
            raise ResultsError(self._missing())
        try:
            data = self.manifest_path.read_bytes()
        except OSError as exc:
            raise ResultsError(
                f"{self.manifest_path}: unreadable ({exc.strerror}); check its permissions"
            ) from None
        try:
            return Manifest.model_validate_json(data)
        except ValidationError as exc:
            raise ResultsError(
                f"{self.manifest_path}: unreadable, damaged ({_first_problem(exc)}); restore "
                "it from a copy (the answers are in journal.jsonl and the Parquet parts), or run "
                "the suite again under another --run-id"
            ) from None

    def _missing(self) -> str:
        if self.manifest_path.with_suffix(".json.tmp").is_file():
            return (
                f"{self.manifest_path}: no such run (only an unfinished manifest.json.tmp: the "
                f"run never started); start it again with `bench run SUITE --run-id {self.run_id}`"
            )
        return (
            f"{self.manifest_path}: no such run; check the run id and --results "
            f"(runs here: {', '.join(list_runs(self.root)) or 'none'})"
        )

    def write_manifest(self, manifest: Manifest) -> None:
        """Write the manifest whole (temporary file, fsync, rename), secrets masked; a failed
        write (a full disk) leaves the previous manifest and no temporary file behind."""
        tmp = self.manifest_path.with_suffix(".json.tmp")
        text = redact(manifest.model_dump_json(indent=2))
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.manifest_path)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            if not isinstance(exc, OSError):
                raise
            raise ResultsError(
                f"{self.manifest_path}: cannot write ({exc.strerror or exc}); free space or "
                f"fix permissions, then try again (a started run resumes with "
                f"`bench run --resume {self.run_id}`)"
            ) from None
        self._push(["manifest.json"])

    # ----------------------------------------------------------------- journal

    def open_journal(self) -> Journal:
        self._fetch()
        self._ensure_journal()
        self.journal.open()
        return self.journal

    def close_journal(self) -> None:
        self.journal.close()

    def records(self) -> Iterator[JournalRecord]:
        self._fetch()
        self._ensure_journal()
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
        self._ensure_journal()
        done = {row["job_id"] for row, _ in self.journal.checked() if row is not None}
        self._tell_skips()
        return done

    def _tell_skips(self) -> None:
        """Say once that journal lines were skipped (the jobs among them run again)."""
        if self.journal.skipped and not self._skips_told:
            self._skips_told = True
            notice(
                f"{self.journal.path}: {self.journal.skipped} unreadable line(s) skipped "
                f"(garbled, or not a bench record); any job among them is sent again by "
                f"`bench run --resume {self.run_id}`"
            )

    def _ensure_journal(self) -> None:
        """Rebuild a missing or empty journal from the Parquet parts (once per store), so
        compaction cannot overwrite stored answers with nothing and resume sends no recorded
        job again."""
        if self._journal_checked or self.journal.is_open:
            return
        self._journal_checked = True
        if self.journal.has_lines() or not any(self.has(t) for t in _TABLES):
            return
        tables = {t: self.read(t) if self.has(t) else None for t in _TABLES}
        tmp = Journal(self.journal.path.with_suffix(".jsonl.tmp"))  # (whole, or not at all)
        tmp.path.unlink(missing_ok=True)
        tmp.open()
        try:
            tmp.extend(journal_from_parquet(tables["responses"], tables["attempts"]))
            tmp.close()
            os.replace(tmp.path, self.journal.path)
        except BaseException:
            tmp.close()
            tmp.path.unlink(missing_ok=True)
            raise
        counts = ", ".join(f"{len(v)} {t}" for t, v in tables.items() if v is not None)
        notice(f"{self.journal.path}: missing or empty; rebuilt from the Parquet parts ({counts})")

    # ----------------------------------------------------------------- parquet

    def compact(self) -> int:
        """Rewrite the Parquet parts from the journal; returns the number of response rows."""
        self._fetch()
        self._ensure_journal()
        parts = {t: _Parts(self, t) for t in _TABLES}
        seen: set[str] = set()

        def fill() -> None:
            for row, attempts in self.journal.checked():
                if row is not None:
                    if row["job_id"] in seen:
                        continue  # a job journaled twice (resumed mid-write) is kept once
                    seen.add(row["job_id"])
                    parts["responses"].add(row)
                for att in attempts:
                    parts["attempts"].add(att)

        self._commit(list(parts.values()), fill)
        self._tell_skips()
        self._push()
        return parts["responses"].total

    def _commit(self, parts: list[_Parts], fill: Any) -> None:
        """Write every part to a temporary file, then rename them all: an interrupt or a full
        disk before the renames leaves the previous parts as they were."""
        for path in self.dir.glob("*.parquet.tmp"):
            path.unlink()  # (left by a compaction that was cut short)
        try:
            fill()
            for p in parts:
                p.close()
        except BaseException as exc:
            for p in parts:
                p.discard()
            if not isinstance(exc, OSError):
                raise
            raise ResultsError(
                f"{self.dir}: cannot write Parquet ({_reason(exc)}); free space, then "
                f"`bench run --resume {self.run_id}` rebuilds it from the journal"
            ) from None
        for p in parts:
            p.commit()

    def write_grades(self, rows: Sequence[GradeRow]) -> int:
        """Replace the run's grades (grading is re-runnable and costs no API calls); text a
        judge wrote is masked like everything else stored."""
        self._fetch()
        parts = _Parts(self, "grades")
        mask = redactor()

        def fill() -> None:
            for r in rows:
                data = r.to_json()
                if mask:
                    data = {k: mask(v) if isinstance(v, str) else v for k, v in data.items()}
                parts.add(data)

        self._commit([parts], fill)
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
        tables = [self._read_part(p, table) for p in parts]
        try:
            return pa.concat_tables(tables)
        except (pa.ArrowException, ValueError) as exc:
            raise ResultsError(
                f"{self.dir}: its {table} parts do not match one another ({type(exc).__name__}); "
                f"{self._fix(table)}"
            ) from None

    def verify(self, table: str, whole: bool = False) -> None:
        """Raise a ResultsError naming the first damaged part of `table`: its footer checked
        (cheap), or with `whole` every page read."""
        if whole:
            self.read(table)
            return
        self._fetch()
        for path in sorted(self.dir.glob(f"{table}-*.parquet")):
            try:
                pq.read_metadata(path)
            except (OSError, pa.ArrowException, ValueError) as exc:
                raise ResultsError(
                    f"{path}: unreadable Parquet ({type(exc).__name__}); {self._fix(table)}"
                ) from None

    def _read_part(self, path: Path, table: str) -> pa.Table:
        try:
            return upgrade(pq.read_table(path), SCHEMAS[table])
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise ResultsError(
                f"{path}: unreadable Parquet ({type(exc).__name__}); {self._fix(table)}"
            ) from None

    def _fix(self, table: str) -> str:
        """How a damaged part of `table` is made again."""
        if table == "grades":
            return f"grade the run again with `bench grade {self.run_id}`"
        if not self.journal.has_lines():
            return "the journal is missing too: restore the run from a copy or run it again"
        return f"rebuild it from the journal with `bench run --resume {self.run_id}`"


class _Parts:
    """Rows of one table written as temporary parts of PART_ROWS each, in row groups of
    GROUP_ROWS, so compaction holds one group's rows at a time (a 5,000-row part held whole
    was most of a long run's peak memory); `commit` renames the parts and drops parts left
    from before, `discard` removes them."""

    def __init__(self, store: RunStore, table: str) -> None:
        self.store, self.table = store, table
        self.rows: list[dict[str, Any]] = []
        self.index = self.total = self.in_part = 0
        self.written: list[Path] = []
        self._writer: pq.ParquetWriter | None = None
        self._sink: pa.NativeFile | None = None
        """Our own handle on the part: closed however the write ends, so a part that failed
        on a full disk does not keep its deleted file's blocks while the error lives."""

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= GROUP_ROWS or self.in_part + len(self.rows) >= PART_ROWS:
            self._write_group()

    def _write_group(self) -> None:
        if self._writer is None:
            tmp = self.store.dir / f"{self.table}-{self.index:05d}.parquet.tmp"
            self.written.append(tmp)
            self._sink = pa.OSFile(str(tmp), "wb")
            self._writer = pq.ParquetWriter(self._sink, SCHEMAS[self.table], compression="zstd")
        self._writer.write_table(_arrow(self.table, self.rows))
        self.in_part, self.total = self.in_part + len(self.rows), self.total + len(self.rows)
        self.rows = []
        if self.in_part >= PART_ROWS:
            self._end_part()

    def _end_part(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            finally:
                self._writer = None
                if self._sink is not None:
                    self._sink.close()
                    self._sink = None
            self.index, self.in_part = self.index + 1, 0

    def close(self) -> None:
        if self.rows or (self.index == 0 and self._writer is None):
            self._write_group()  # (a table without rows still gets its empty part)
        self._end_part()

    def commit(self) -> None:
        for tmp in self.written:
            os.replace(tmp, tmp.with_suffix(""))
        self.store._drop_parts(self.table, self.index)

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self._end_part()
        for tmp in self.written:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _arrow(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows → an Arrow table of the pinned schema, epoch-second floats as UTC timestamps.

    The rows go to Arrow as JSON lines read by its C++ reader against the schema, timestamps
    as whole microseconds (rounded half to even), not through `Table.from_pylist` or compute
    calls with Python scalars: those import pandas (0.25 s and 45 MB at the end of every run)
    and convert object by object. A value of the wrong type fails the read, as it failed the
    conversion."""
    schema = SCHEMAS[table]
    stamps = TIMESTAMPS[table]
    as_int = pa.schema([pa.field(f.name, pa.int64()) if f.name in stamps else f for f in schema])
    if not rows:
        data = as_int.empty_table()
    else:
        lines = b"".join([_json_line(r, stamps) for r in rows])
        data = pa_json.read_json(
            io.BytesIO(lines),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=len(lines) + 1),
            parse_options=pa_json.ParseOptions(
                explicit_schema=as_int, unexpected_field_behavior="error"
            ),
        )
    columns = [
        data.column(f.name).cast(f.type) if f.name in stamps else data.column(f.name)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)  # (with the columns' docs)


def _json_line(row: dict[str, Any], stamps: Iterable[str]) -> bytes:
    """One row as a JSON line, its timestamps (epoch seconds) as microseconds."""
    row = row | {n: round(row[n] * 1e6) for n in stamps if row[n] is not None}
    try:
        return orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # (what orjson refuses: a lone surrogate, an integer past 64 bits)
        return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8", "replace")


def _journal_dicts(table: pa.Table, record: type[Record]) -> list[dict[str, Any]]:
    """A stored table's rows as journal dicts: the row type's columns, timestamps as epoch
    seconds again (columns a part lacks were read as null)."""
    cols = {}
    for name in record.NAMES:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            col = pc.divide(pc.cast(col.cast(pa.int64()), pa.float64()), 1e6)
        cols[name] = col
    return pa.table(cols).to_pylist()


def journal_from_parquet(
    responses: pa.Table | None, attempts: pa.Table | None
) -> Iterator[JournalRecord]:
    """Journal lines rebuilt from the Parquet parts: each response with its benchmark
    attempts, then the other attempts (judges, checks) one call per line (a call's attempts
    are numbered from 1)."""
    by_job: dict[str, list[AttemptRow]] = defaultdict(list)
    others: list[AttemptRow] = []
    rows = _journal_dicts(responses, ResponseRow) if responses is not None else []
    jobs = {r["job_id"] for r in rows}
    for a in _journal_dicts(attempts, AttemptRow) if attempts is not None else []:
        att = AttemptRow(**a)
        if att.purpose in (None, "bench") and att.job_id in jobs:
            by_job[att.job_id].append(att)
        else:
            others.append(att)
    for r in rows:
        yield JournalRecord(ResponseRow(**r), tuple(by_job.pop(r["job_id"], ())))
    call: list[AttemptRow] = []
    for att in others:
        if call and att.attempt <= 1:
            yield JournalRecord(None, tuple(call))
            call = []
        call.append(att)
    if call:
        yield JournalRecord(None, tuple(call))


def _reason(exc: OSError) -> str:
    """An OSError's reason in a few words (pyarrow's carry it only inside their message)."""
    found = re.search(r"\[errno (\d+)\]", str(exc))
    code = exc.errno or (int(found.group(1)) if found else None)
    return os.strerror(code) if code else str(exc).splitlines()[0][:200]


def _first_problem(exc: ValidationError) -> str:
    """The first thing wrong with a manifest, in a few words."""
    err = exc.errors()[0]
    if err["type"] == "json_invalid":
        return "not valid JSON"
    where = ".".join(str(p) for p in err["loc"]) or "the whole file"
    return f"{where}: {err['msg']}"


def list_runs(root: str | Path) -> list[str]:
    if is_remote(str(root)):
        return Remote(str(root)).runs()
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file())


__all__ = [
    "PART_ROWS",
    "RunStore",
    "journal_from_parquet",
    "list_runs",
    "new_run_id",
    "results_root",
]
