"""A run's journal: the source of truth, one JSON line per finished call.

A line holds a finished job's response row with its attempts, or a judge's attempts alone. It
is written whole with one system call as the call lands (then in the OS's hands: it survives
kill -9) and fsync'd off the event loop, so the disk never stalls the clock of requests still
in flight. Parquet is derived from it and can always be rebuilt.

Every line passes through `write`, so that is where configured secrets are masked (see
redact.py): nothing a server echoes back reaches the disk, the Parquet or a report. A write
that fails (a full disk) is cut back, so the journal never ends in a torn line of ours and the
run can be resumed once space is freed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from harness.errors import ResultsError
from harness.results.records import AttemptRow, JournalRecord, ResponseRow
from harness.results.redact import Redactor, redactor
from providers import wirejson

_LINE_KEYS = frozenset({"row", "attempts"})


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._size = 0
        self._synced = 0
        """Bytes known to be on disk (fsync'd); `sync` waits until it reaches `_size`."""
        self._syncing: asyncio.Future[None] | None = None
        self._redact: Redactor = Redactor(())
        self.skipped = 0
        """Lines the last read could not use (garbled, or of an unknown shape or type)."""

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def open(self) -> None:
        self._repair_tail()
        self._redact = redactor()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._size = self._synced = os.fstat(fd).st_size
        self._fd = fd

    def _repair_tail(self) -> None:
        """Cut a torn last line (a crash mid-write) so appends start on a fresh line."""
        if not self.path.is_file():
            return
        with open(self.path, "rb+") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)

    def write(self, record: JournalRecord) -> None:
        """Mask secrets and write one line whole; `sync` (or `append`) makes it durable."""
        assert self._fd is not None, "open the journal first"
        data = (self._redact(_dumps(record.to_json())) + "\n").encode("utf-8", "replace")
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
        except BaseException as exc:  # (a full disk, or an interrupt between two writes)
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)  # (never leave half a line behind)
            if isinstance(exc, OSError):
                raise self._failed(exc) from None
            raise
        self._size += len(data)

    def _failed(self, exc: OSError) -> ResultsError:
        """A write or fsync that failed (a full disk, say): the run stops, resumable."""
        return ResultsError(
            f"{self.path}: cannot write ({exc.strerror or exc}); the run stopped and every "
            f"call recorded before is kept: free space, then `bench run --resume "
            f"{self.path.parent.name}`"
        )

    def append(self, record: JournalRecord) -> None:
        """Write and fsync one line (for writers outside the event loop)."""
        self.write(record)
        assert self._fd is not None
        self._fsync(self._fd)

    def _fsync(self, fd: int) -> None:
        try:
            os.fsync(fd)
        except OSError as exc:
            raise self._failed(exc) from None

    def extend(self, records: Iterable[JournalRecord]) -> int:
        """Write many lines, fsync'd once at the end; returns how many."""
        n = 0
        for record in records:
            self.write(record)
            n += 1
        assert self._fd is not None
        self._fsync(self._fd)
        return n

    async def sync(self) -> None:
        """Return once every line written so far is on disk. Calls that land while an fsync
        runs share the next one (one fsync covers every line written before it), so 200
        requests finishing together cost a few fsyncs, not 200 thread hand-offs."""
        wanted = self._size
        while self._fd is not None and self._synced < wanted:
            if self._syncing is None or self._syncing.done():
                self._syncing = asyncio.ensure_future(self._sync_once(self._fd))
            await asyncio.shield(self._syncing)

    async def _sync_once(self, fd: int) -> None:
        size = self._size
        await asyncio.to_thread(self._fsync, fd)
        self._synced = max(self._synced, size)

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def records(self) -> Iterator[JournalRecord]:
        """Lines in order, typed; a torn, garbled or unknown-shaped line is skipped, never
        fatal (`skipped` counts them)."""
        for row, attempts in self.checked():
            yield JournalRecord(
                ResponseRow(**row) if row is not None else None,
                tuple(AttemptRow(**a) for a in attempts),
            )

    def checked(self) -> Iterator[tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
        """Lines in order as field-checked dicts (row, attempts): what compaction writes, without
        building a record per row."""
        self.skipped = 0
        if not self.path.is_file():
            return
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.endswith("\n"):
                    break
                try:
                    yield _checked(wirejson.loads(line))
                except (ValueError, TypeError, AttributeError):
                    self.skipped += 1

    def has_lines(self) -> bool:
        """Whether any line can be used (a missing, empty or all-garbled journal has none)."""
        return next(self.checked(), None) is not None


def _dumps(obj: dict[str, Any]) -> str:
    """A line's JSON text: orjson's where it can write it (a fifth of the standard library's
    time), else the standard library's (a lone surrogate, an integer past 64 bits)."""
    try:
        return orjson.dumps(obj, default=str).decode()
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, default=str)


def _checked(data: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A line's row and attempts, typed; anything else in or about the line makes it junk."""
    if not isinstance(data, dict) or not data.keys() <= _LINE_KEYS:
        raise ValueError("a journal line is an object of row and attempts")
    row, attempts = data.get("row"), data.get("attempts") or []
    if not isinstance(attempts, list) or (row is None and not attempts):
        raise ValueError("a journal line holds a row, attempts, or both")
    return (
        ResponseRow.checked(row) if row is not None else None,
        [AttemptRow.checked(a) for a in attempts],
    )


__all__ = ["Journal"]
