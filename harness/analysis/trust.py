"""How far to trust a refusal or censorship rate: who gave its labels, and how good they are.

A rate is only as good as its labels. Beside every rate the report says which share came from
the transport layer (blocks: certain), from the classifier (and how accurate the classifier
measured on the bundled gold set at the confidences it gave here), from judges (and their last
`bench judge-check`), and which share is only a best guess (`unsure`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from harness.suites.model import Sensitivity

SOURCES = ("transport", "classifier", "judge", "judges")


def accuracy_at(confidences: Iterable[float], bins: Sequence[dict[str, Any]]) -> float | None:
    """The classifier's expected accuracy on these labels: each label counts the held-out
    accuracy of the confidence bin it falls in (bins: `low`, `high`, `accuracy`, `n`)."""
    found = []
    for c in confidences:
        for b in bins:
            if b["n"] and b["low"] <= c < b["high"] + 1e-9:
                found.append(b["accuracy"])
                break
    return sum(found) / len(found) if found else None


def label_trust(
    df: pd.DataFrame, sens: Sensitivity, bins: Sequence[dict[str, Any]]
) -> pd.DataFrame:
    """Per model × sensitivity level: where the final labels came from, the unsure share, and
    the classifier's gold accuracy at its confidences."""
    rows = []
    levels = [*sens.levels, "untagged"] if sens.levels else ["untagged"]
    for (model, level), g in df.groupby(["model", "sensitivity"], sort=True):
        if level not in levels:
            continue
        n = len(g)
        source = g["label_source"].fillna("unknown")
        rules = g[(source == "classifier") & g["confidence"].notna()]
        rows.append(
            {
                "model": model,
                "sensitivity": level,
                "n": n,
                **{s: float((source == s).sum()) / n for s in SOURCES},
                "unknown": float((source == "unknown").sum()) / n,
                "unsure": float(g["unsure"].astype(bool).sum()) / n,
                "rules_accuracy": accuracy_at(rules["confidence"].astype(float), bins),
            }
        )
    return pd.DataFrame(rows)


__all__ = ["SOURCES", "accuracy_at", "label_trust"]
