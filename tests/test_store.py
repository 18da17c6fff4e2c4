"""The results store: schema docs, compaction, reading parts back."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from harness.results.records import AttemptRow, GradeRow, JournalRecord, ResponseRow
from harness.results.schema import (
    ATTEMPT_COLUMNS,
    ATTEMPTS,
    GRADE_COLUMNS,
    GRADES,
    RESPONSE_COLUMNS,
    RESPONSES,
    SCHEMA_VERSION,
)
from harness.results.store import RunStore

from .conftest import ROOT, blank_manifest


def test_every_column_is_documented() -> None:
    doc = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    for name, dtype, meaning in [*RESPONSE_COLUMNS, *ATTEMPT_COLUMNS, *GRADE_COLUMNS]:
        assert f"| `{name}` | {dtype} | {meaning} |" in doc, name


def _row(i: int) -> ResponseRow:
    return ResponseRow(
        **dict.fromkeys(ResponseRow.NAMES)
        | {
            "run_id": "r",
            "job_id": f"j{i}",
            "case_id": f"c{i}",
            "repeat": 0,
            "model": "m",
            "outcome": "ok",
            "tags": ["a"],
            "dropped_params": [],
            "started_at": 1_700_000_000.5 + i,
            "input_tokens": i,
        }
    )


def _attempt(i: int) -> AttemptRow:
    return AttemptRow(
        **dict.fromkeys(AttemptRow.NAMES)
        | {"run_id": "r", "job_id": f"j{i}", "attempt": 1, "kind": "ok", "started_at": 1.0}
    )


def test_compaction_is_pinned_and_deduplicated(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("harness.results.store.PART_ROWS", 4)
    store = RunStore(tmp_path, "r")
    store.create(blank_manifest("r"))
    journal = store.open_journal()
    for i in range(10):
        journal.append(JournalRecord(_row(i), (_attempt(i),)))
    journal.append(JournalRecord(_row(3), ()))  # a job journaled twice is kept once
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


def test_a_misspelled_or_missing_field_fails_where_the_row_is_built() -> None:
    good = _row(1).to_json()
    with pytest.raises(TypeError, match="ttft"):
        ResponseRow(**(good | {"ttft": 0.1}))  # misspelled: ttft_s
    missing = dict(good)
    del missing["e2e_s"]
    with pytest.raises(TypeError, match="e2e_s"):
        ResponseRow(**missing)
    # a journal line of an unknown shape is refused, not read as an all-null column
    with pytest.raises(ValueError, match="ttft"):
        ResponseRow.from_json(good | {"ttft": 0.1})
    with pytest.raises(ValueError, match="e2e_s"):
        ResponseRow.from_json(missing)
    # columns added since schema version 1 may be absent from an old journal line
    old = {k: v for k, v in good.items() if k not in ResponseRow.ADDED}
    assert ResponseRow.from_json(old).cache_key is None


def test_the_parquet_schema_is_the_row_types() -> None:
    for record, schema in ((ResponseRow, RESPONSES), (AttemptRow, ATTEMPTS), (GradeRow, GRADES)):
        assert [f.name for f in schema] == list(record.NAMES)
