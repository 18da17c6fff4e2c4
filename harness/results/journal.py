"""A run's journal: the source of truth, one JSON line per finished call.

A line holds a finished job's response row with its attempts, or a judge's attempts alone. It
is written and flushed as the call lands (then in the OS's hands: it survives kill -9) and
fsync'd off the event loop, so the disk never stalls the clock of requests still in flight.
Parquet is derived from it and can always be rebuilt.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from harness.results.records import AttemptRow, JournalRecord, ResponseRow


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None
        self.skipped = 0
        """Lines the last read could not use (torn, garbled, or of an unknown shape)."""

    def open(self) -> None:
        self._repair_tail()
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115

    def _repair_tail(self) -> None:
        """Cut a torn last line (a crash mid-write) so appends start on a fresh line."""
        if not self.path.is_file():
            return
        with open(self.path, "rb+") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)

    def write(self, record: JournalRecord) -> None:
        """Write and flush one line; `sync` (or `append`) makes it durable."""
        assert self._fh is not None, "open the journal first"
        line = json.dumps(record.to_json(), ensure_ascii=False, default=str)
        self._fh.write(line + "\n")
        self._fh.flush()

    def append(self, record: JournalRecord) -> None:
        """Write, flush and fsync one line (for writers outside the event loop)."""
        self.write(record)
        assert self._fh is not None
        os.fsync(self._fh.fileno())

    async def sync(self) -> None:
        if self._fh is not None:
            await asyncio.to_thread(os.fsync, self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

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
                    yield _checked(json.loads(line))
                except (ValueError, TypeError, AttributeError):
                    self.skipped += 1


def _checked(data: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    if not isinstance(data, dict):
        raise ValueError("a journal line must be an object")
    row = data.get("row")
    return (
        ResponseRow.checked(row) if row is not None else None,
        [AttemptRow.checked(a) for a in data.get("attempts") or []],
    )


__all__ = ["Journal"]
