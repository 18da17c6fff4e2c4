"""Reading suite items from JSONL, CSV or Parquet files, with file:line problems."""

from __future__ import annotations

import contextlib
import csv
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.files import FileProblem, read_text
from harness.suites.lines import problems_of
from harness.suites.model import Item

Located = tuple[Item, str]
"""An item and where it was written (`file:line`), for problems found later."""


def _jsonl(text: str, shown: str, problems: list[str]) -> list[tuple[int, Any]]:
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((n, json.loads(line)))
        except ValueError:
            problems.append(f"{shown}:{n}: not valid JSON; one JSON object per line")
    return rows


def _csv(text: str) -> list[tuple[int, Any]]:
    rows = []
    for n, row in enumerate(csv.DictReader(text.splitlines()), 2):
        clean: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
        if isinstance(clean.get("tags"), str):
            clean["tags"] = [
                t.strip() for t in clean["tags"].replace(";", ",").split(",") if t.strip()
            ]
        if isinstance(clean.get("grade"), str):
            with contextlib.suppress(ValueError):  # a bad grade is named by validation
                clean["grade"] = json.loads(clean["grade"])
        rows.append((n, clean))
    return rows


def _parquet(path: Path) -> list[tuple[int, Any]]:
    import pandas as pd  # (only for Parquet items)

    frame = pd.read_parquet(path)
    records = json.loads(frame.to_json(orient="records", force_ascii=False))
    return [(n, {k: v for k, v in r.items() if v is not None}) for n, r in enumerate(records, 1)]


def read_items_file(path: Path, shown: str) -> tuple[list[Located], list[str]]:
    """Items of one file; Parquet "lines" are row numbers from 1."""
    if not path.exists():
        return [], [f"{shown}:1: items_file not found; check the path (relative to the suite)"]
    problems: list[str] = []
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            rows = _parquet(path)
        elif suffix in (".jsonl", ".csv"):
            text = read_text(path)
            rows = _jsonl(text, shown, problems) if suffix == ".jsonl" else _csv(text)
        else:
            return [], [
                f"{shown}:1: unsupported items file {suffix!r}; use .jsonl, .csv or .parquet"
            ]
    except FileProblem as exc:
        return [], [str(exc)]
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return [], [f"{shown}:1: cannot read ({type(exc).__name__}); check the file's format"]
    items: list[Located] = []
    for n, row in rows:
        if not isinstance(row, dict):
            problems.append(f"{shown}:{n}: expected an object with id and prompt")
            continue
        try:
            items.append((Item.model_validate(row), f"{shown}:{n}"))
        except ValidationError as exc:
            problems.extend(problems_of(exc, Item, shown, None, line=n))
    return items, problems


__all__ = ["Located", "read_items_file"]
