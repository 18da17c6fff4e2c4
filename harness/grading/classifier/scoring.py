"""How a verdict is scored against a labelled row, and the reliability table: one definition
shared by the trainer (which stores the table in the model file) and the benchmark.

No labelled set has `empty` (gold labels a reasoning-only answer by intent), and the silver sets
have no `narrative` (their judge calls the official line evasive), hence the coarse view.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)
_SILVER = {"narrative": "evasive"}


def coarse(label: str) -> str:
    return _SILVER.get(label, label)


class Score(NamedTuple):
    binary: bool
    """complete vs not complete"""
    exact: bool
    """4-way on gold, 3-way (narrative ≡ evasive) on the silver sets; `empty` is wrong"""
    exact_mapped: bool
    """as exact, with `empty` scored by its sub_label"""
    coarse: bool
    """3-way everywhere, `empty` by its sub_label: what the confidence is calibrated to"""


def score(pred: str, sub: str | None, gold: str, row_set: str) -> Score:
    mapped = sub if pred == "empty" and sub else pred
    if row_set == "gold":
        exact, exact_mapped = pred == gold, mapped == gold
    else:
        exact, exact_mapped = coarse(pred) == coarse(gold), coarse(mapped) == coarse(gold)
    binary = (pred == "complete") == (gold == "complete")
    return Score(binary, exact, exact_mapped, coarse(mapped) == coarse(gold))


def reliability_table(
    confs: Sequence[float], oks: Sequence[bool], edges: Sequence[float] = EDGES
) -> list[dict[str, Any]]:
    """Per confidence bin [low, high): n, mean confidence, accuracy (None for an empty bin)."""
    out = []
    for lo, hi in itertools.pairwise(edges):
        hits = [ok for c, ok in zip(confs, oks, strict=True) if lo <= c < hi]
        cs = [c for c in confs if lo <= c < hi]
        n = len(hits)
        out.append(
            {
                "low": lo,
                "high": min(hi, 1.0),
                "n": n,
                "mean_confidence": sum(cs) / n if n else None,
                "accuracy": sum(hits) / n if n else None,
            }
        )
    return out


def ece(table: list[dict[str, Any]]) -> float:
    total = sum(b["n"] for b in table)
    gaps = sum(b["n"] * abs(b["accuracy"] - b["mean_confidence"]) for b in table if b["n"])
    return gaps / max(1, total)


__all__ = ["EDGES", "Score", "coarse", "ece", "reliability_table", "score"]
