"""Pinned Parquet schemas of the results store, derived from the typed rows in records.py.

A column's name, type and doc are written once, as a field of `ResponseRow`, `AttemptRow` or
`GradeRow`; the schemas here follow from them (a test keeps docs/results.md in step). Readers
accept every older schema version; a change that is not purely additive bumps SCHEMA_VERSION.
"""

from __future__ import annotations

import types
import typing
from dataclasses import fields

import pyarrow as pa

from harness.results.records import AttemptRow, GradeRow, Record, ResponseRow

SCHEMA_VERSION = 4
"""1: first release. 2: adds cache_key, cached, latency_suspect, cost_original, price_tier.
3: attempts add purpose and cost_usd (judge attempts are recorded too); grades add source and
unsure. 4: responses add family and family_host. Columns a version lacks read as null."""

_TS = pa.timestamp("us", tz="UTC")
_ARROW: dict[object, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
}


def _arrow_type(hint: object, timestamp: bool) -> pa.DataType:
    if timestamp:
        return _TS
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (hint,) = (a for a in typing.get_args(hint) if a is not type(None))
    if typing.get_origin(hint) is list:
        return pa.list_(_ARROW[typing.get_args(hint)[0]])
    return _ARROW[hint]


def columns(record: type[Record]) -> list[tuple[str, pa.DataType, str]]:
    """(name, Arrow type, doc) of every column of a row type, in order."""
    hints = typing.get_type_hints(record)
    return [
        (f.name, _arrow_type(hints[f.name], f.metadata["timestamp"]), f.metadata["doc"])
        for f in fields(record)  # type: ignore[arg-type]
    ]


RESPONSE_COLUMNS = columns(ResponseRow)
ATTEMPT_COLUMNS = columns(AttemptRow)
GRADE_COLUMNS = columns(GradeRow)


def _schema(cols: list[tuple[str, pa.DataType, str]], table: str) -> pa.Schema:
    return pa.schema(
        [pa.field(n, t, metadata={"doc": d}) for n, t, d in cols],
        metadata={"bench.table": table, "bench.schema_version": str(SCHEMA_VERSION)},
    )


RESPONSES = _schema(RESPONSE_COLUMNS, "responses")
ATTEMPTS = _schema(ATTEMPT_COLUMNS, "attempts")
GRADES = _schema(GRADE_COLUMNS, "grades")

SCHEMAS = {"responses": RESPONSES, "attempts": ATTEMPTS, "grades": GRADES}
RECORDS: dict[str, type[Record]] = {
    "responses": ResponseRow,
    "attempts": AttemptRow,
    "grades": GradeRow,
}
TIMESTAMPS = {
    table: tuple(n for n, t, _ in cols if t == _TS)
    for table, cols in (
        ("responses", RESPONSE_COLUMNS),
        ("attempts", ATTEMPT_COLUMNS),
        ("grades", GRADE_COLUMNS),
    )
}


def upgrade(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A table written by any earlier schema version, in the current one: columns added since
    are null, columns are in the current order; unknown extra columns are kept at the end."""
    cols, names = [], []
    for f in schema:
        if f.name in table.column_names:
            cols.append(table.column(f.name).cast(f.type))
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
        names.append(f.name)
    extra = [n for n in table.column_names if n not in names]
    return pa.Table.from_arrays(cols + [table.column(n) for n in extra], names=names + extra)


__all__ = [
    "ATTEMPTS",
    "ATTEMPT_COLUMNS",
    "GRADES",
    "GRADE_COLUMNS",
    "RECORDS",
    "RESPONSES",
    "RESPONSE_COLUMNS",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "TIMESTAMPS",
    "columns",
    "upgrade",
]
