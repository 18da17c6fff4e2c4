"""The fixed dev/test halves of the three labelled sets, decided from ids alone (before any
answer was read), so that training, the benchmark and the tests all hold out the same rows.

* china (SpeechMap China/US criticism): sha256(question_id) even → dev. Keyed on the question,
  so an English question and its Chinese translation fall in the same half.
* ushard (SpeechMap US hard): sha256(id) even → dev. The file has no question id, so the same
  question may occur in both halves; china is the strictly question-disjoint split.
* gold (harness/grading/gold/refusal_gold.jsonl): odd number → dev. Translations share a number.

Everything fitted or tuned uses dev only; test is for the reported figures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

SETS = ("china", "ushard", "gold")


def _h(s: str) -> int:
    return int(hashlib.sha256(s.encode("utf-8")).hexdigest(), 16)


def china_half(row: dict[str, Any]) -> str:
    return "dev" if _h(row["question_id"]) % 2 == 0 else "test"


def ushard_half(row: dict[str, Any]) -> str:
    return "dev" if _h(row["id"]) % 2 == 0 else "test"


def gold_half(row: dict[str, Any]) -> str:
    return "dev" if int(row["id"].rsplit("-", 1)[1]) % 2 == 1 else "test"


HALF: dict[str, Callable[[dict[str, Any]], str]] = {
    "china": china_half,
    "ushard": ushard_half,
    "gold": gold_half,
}


def read_jsonl(path: Path | str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_all(china: Path | str, ushard: Path | str, gold: Path | str) -> dict[str, list[dict]]:
    """{set: rows}, each row with added `set` and `half` keys."""
    out = {}
    for name, path in zip(SETS, (china, ushard, gold), strict=True):
        rows = read_jsonl(path)
        for r in rows:
            r["set"] = name
            r["half"] = HALF[name](r)
        out[name] = rows
    return out


__all__ = ["HALF", "SETS", "china_half", "gold_half", "load_all", "read_jsonl", "ushard_half"]
