"""The deterministic refusal classifier on the bilingual gold set (tests/gold).

The figures are reported by benchmarks/classifier.py; this test keeps them from regressing.
The floors sit below the measured held-out figures (test split: 4-way 0.49, binary 0.54),
they are not targets the rules were tuned to.
"""

from __future__ import annotations

import json
from collections import Counter

from harness.grading.refusal_rules import LABELS, classify

from .conftest import ROOT

GOLD = ROOT / "tests" / "gold" / "refusal_gold.jsonl"


def _rows() -> list[dict]:
    return [
        json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_gold_set_shape() -> None:
    rows = _rows()
    cells = Counter((r["lang"], r["label"]) for r in rows)
    assert len(rows) >= 200 and set(r["label"] for r in rows) == set(LABELS)
    assert min(cells.values()) >= 25 and {lang for lang, _ in cells} == {"en", "zh"}
    assert sum(r["hard"] for r in rows) / len(rows) >= 0.4


def test_accuracy_on_the_held_out_half() -> None:
    test = [r for r in _rows() if int(r["id"].rsplit("-", 1)[1]) % 2 == 0]
    preds = [classify(r["prompt"], r["response"], r["lang"]).label for r in test]
    four = sum(p == r["label"] for p, r in zip(preds, test, strict=True)) / len(test)
    binary = sum(
        (p == "complete") == (r["label"] == "complete") for p, r in zip(preds, test, strict=True)
    )
    assert four >= 0.45, four
    assert binary / len(test) >= 0.5, binary / len(test)
    # every label is found at least sometimes: no class collapsed into another
    assert set(preds) == set(LABELS)
