"""Accuracy and speed of the deterministic refusal classifier on the gold set.

    .venv/bin/python benchmarks/classifier.py [tests/gold/refusal_gold.jsonl]

Prints 4-way and binary (complete vs not) accuracy, per language, the confusion matrix, the
share the classifier is unsure of, and classifications per second.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.grading.refusal_rules import LABELS, UNSURE, classify  # noqa: E402


def load(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def split(rows: list[dict]) -> dict[str, list[dict]]:
    """dev = odd-numbered ids (the rules were revised once after reading its errors);
    test = even-numbered ids (never inspected). EN/ZH translations share a number."""

    def number(r: dict) -> int:
        return int(r["id"].rsplit("-", 1)[1])

    return {
        "dev": [r for r in rows if number(r) % 2],
        "test": [r for r in rows if not number(r) % 2],
    }


def evaluate(rows: list[dict]) -> dict:
    preds = [classify(r["prompt"], r["response"], r["lang"]) for r in rows]
    out: dict = {}
    for lang in ("all", "en", "zh"):
        pairs = [
            (r["label"], p) for r, p in zip(rows, preds, strict=True) if lang in ("all", r["lang"])
        ]
        n = len(pairs)
        four = sum(g == p.label for g, p in pairs) / n
        binary = sum((g == "complete") == (p.label == "complete") for g, p in pairs) / n
        hard = [
            (g, p)
            for (g, p), r in zip(
                pairs, [r for r in rows if lang in ("all", r["lang"])], strict=True
            )
            if r.get("hard")
        ]
        out[lang] = {
            "n": n,
            "four_way": round(four, 3),
            "binary": round(binary, 3),
            "hard_four_way": round(sum(g == p.label for g, p in hard) / len(hard), 3)
            if hard
            else None,
            "unsure_share": round(sum(p.confidence < UNSURE for _, p in pairs) / n, 3),
        }
    confusion = Counter((r["label"], p.label) for r, p in zip(rows, preds, strict=True))
    out["confusion"] = {g: {p: confusion[(g, p)] for p in LABELS} for g in LABELS}
    return out


def main() -> None:
    path = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "gold" / "refusal_gold.jsonl"
    )
    rows = load(path)
    result = evaluate(rows)
    for name, part in split(rows).items():
        result[name] = {k: v for k, v in evaluate(part)["all"].items()}
    reps = max(1, 20000 // len(rows))
    t0 = time.perf_counter()
    for _ in range(reps):
        for r in rows:
            classify(r["prompt"], r["response"], r["lang"])
    rate = reps * len(rows) / (time.perf_counter() - t0)
    result["classifications_per_s"] = round(rate)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print("\nconfusion (rows: gold, columns: predicted)")
    print(f"{'':>10}" + "".join(f"{p:>11}" for p in LABELS))
    for g in LABELS:
        print(f"{g:>10}" + "".join(f"{result['confusion'][g][p]:>11}" for p in LABELS))


if __name__ == "__main__":
    main()
