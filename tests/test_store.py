"""The results store: schema docs, compaction, reading parts back."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from harness.results.schema import (
    ATTEMPT_COLUMNS,
    GRADE_COLUMNS,
    RESPONSE_COLUMNS,
    RESPONSES,
    SCHEMA_VERSION,
)
from harness.results.store import RunStore

from .conftest import ROOT


def test_every_column_is_documented() -> None:
    doc = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    for name, dtype, meaning in [*RESPONSE_COLUMNS, *ATTEMPT_COLUMNS, *GRADE_COLUMNS]:
        assert f"| `{name}` | {dtype} | {meaning} |" in doc, name


def _row(i: int) -> dict:
    return {
        "run_id": "r",
        "job_id": f"j{i}",
        "case_id": f"c{i}",
        "repeat": 0,
        "model": "m",
        "outcome": "ok",
        "tags": ["a"],
        "started_at": 1_700_000_000.5 + i,
        "input_tokens": i,
    }


def test_compaction_is_pinned_and_deduplicated(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("harness.results.store.PART_ROWS", 4)
    store = RunStore(tmp_path, "r")
    store.create({"run_id": "r"})
    store.open_journal()
    for i in range(10):
        store.append(_row(i), [{"run_id": "r", "job_id": f"j{i}", "attempt": 1, "kind": "ok"}])
    store.append(_row(3), [])  # a job journaled twice is kept once
    store.close_journal()
    assert store.compact() == 10
    parts = sorted(p.name for p in store.dir.glob("responses-*.parquet"))
    assert parts == [
        "responses-00000.parquet",
        "responses-00001.parquet",
        "responses-00002.parquet",
    ]
    table = store.read()
    assert table.num_rows == 10 and table.schema.equals(RESPONSES, check_metadata=False)
    meta = pq.read_schema(store.dir / parts[0]).metadata
    assert meta[b"bench.schema_version"] == str(SCHEMA_VERSION).encode()
    assert store.read("attempts").num_rows == 10
    assert str(table.column("started_at")[0].as_py().tzinfo) == "UTC"
    monkeypatch.setattr("harness.results.store.PART_ROWS", 100)
    store.compact()  # fewer, larger parts: stale parts are removed
    assert [p.name for p in store.dir.glob("responses-*.parquet")] == ["responses-00000.parquet"]
