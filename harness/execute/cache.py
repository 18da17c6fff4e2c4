"""`--cache`: answers already paid for in earlier runs of the same results store.

The key is the endpoint, model, messages, params and repeat number, so a re-run of a suite
gets each repeat's own earlier answer. Errors are never served from the cache. A cached row
is marked `cached`, carries no latency (it measured nothing) and sends no request.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from harness.execute.jobs import Job, canonical_ref
from harness.execute.rows import ANSWER, COST

COPIED = (*ANSWER, *COST)
"""Columns a cached row takes from the earlier answer; latency columns stay empty."""


def cache_key(job: Job) -> str:
    blob = json.dumps(
        [canonical_ref(job.target), job.messages, job.params.model_dump(mode="json"), job.repeat],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class ResponseCache:
    def __init__(self, rows: dict[str, dict[str, Any]]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    @classmethod
    def load(cls, root: Path, keys: set[str], exclude_run: str) -> ResponseCache:
        """The newest non-error row for each wanted key, from every other run under `root`."""
        found: dict[str, dict[str, Any]] = {}
        for part in sorted(root.glob("*/responses-*.parquet")):
            if part.parent.name == exclude_run:
                continue
            schema = pq.read_schema(part)
            if "cache_key" not in schema.names:
                continue  # written before the cache existed
            table = pq.read_table(part, columns=["cache_key", "started_at", *COPIED])
            mask = pc.and_(
                pc.is_in(table["cache_key"], value_set=_array(keys)),
                pc.not_equal(table["outcome"], "error"),
            )
            for row in table.filter(mask).to_pylist():
                old = found.get(row["cache_key"])
                if old is None or row["started_at"] > old["started_at"]:
                    found[row["cache_key"]] = row
        return cls(found)

    def row_for(self, key: str) -> dict[str, Any] | None:
        """The earlier answer's columns for this key, or None."""
        return self._rows.get(key)


def _array(keys: set[str]):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.array(sorted(keys), type=pa.string())


__all__ = ["ResponseCache", "cache_key"]
