"""Answers paired by item, for the paired tests: one model's answer against the answer to the
item a link names (translation pair, mirror), or two models' answers to the same item.

Pairs are found by merging on (model, run, case, repeat) columns once for every model, not
by string keys per model: at a million rows that is seconds, not tens of seconds.
"""

from __future__ import annotations

import pandas as pd

KEYS = ["run_id", "case_id", "repeat"]
"""An item answer within a run: comparisons never pair answers across runs."""


def linked(
    df: pd.DataFrame, left: pd.DataFrame, link: str, column: str = "not_answered"
) -> dict[str, tuple[list[bool], list[bool]]]:
    """Per model: `left` rows' `column` flags against those of the items their `link` names
    (same model, run and repeat)."""
    keys = ["model", "run_id", "repeat"]
    right = df[[*keys, "case_id", column]].drop_duplicates([*keys, "case_id"])
    both = left[[*keys, link, column]].merge(
        right, left_on=[*keys, link], right_on=[*keys, "case_id"], suffixes=("", "_other")
    )
    both = both[both[column].notna() & both[f"{column}_other"].notna()]
    return {
        str(model): (list(g[column].astype(bool)), list(g[f"{column}_other"].astype(bool)))
        for model, g in both.groupby("model", sort=True)
    }


def by_model(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Items × models: each model's `column` for each item answer it has (NaN: none)."""
    first = rows.drop_duplicates([*KEYS, "model"])
    return first.pivot(index=KEYS, columns="model", values=column)


__all__ = ["KEYS", "by_model", "linked"]
