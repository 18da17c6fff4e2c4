"""What a model's card needs from the rows: where its prices came from, and the answers that
most differ from what the other models did with the same item (the quickest way for a reader
to see what a model's rates are made of)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from harness.analysis.metrics import not_answered, share
from harness.analysis.stats import Rate
from harness.suites.model import Sensitivity

EXCERPT = 600
"""Characters of an answer shown on a model's card."""


def differing(df: pd.DataFrame, limit: int = 3) -> dict[str, list[dict[str, Any]]]:
    """For each model, up to `limit` items (first repeat) where its not-answered verdict is
    furthest from the other models' share, then where most others gave another label."""
    first = df[df["repeat"] == 0]
    if first["model"].nunique() < 2:
        return {}
    key = ["run_id", "case_id"]
    na = first.pivot_table(index=key, columns="model", values="not_answered", aggfunc="first")
    labels = first.pivot_table(index=key, columns="model", values="label", aggfunc="first")
    na = na.astype(float)
    out: dict[str, list[dict[str, Any]]] = {}
    for model in na.columns:
        others = na.drop(columns=model)
        gap = (na[model] - others.mean(axis=1)).abs()
        relabel = labels.drop(columns=model).ne(labels[model], axis=0).mean(axis=1)
        score = pd.DataFrame({"gap": gap, "relabel": relabel}).dropna()
        top = score.sort_values(["gap", "relabel"], ascending=False, kind="stable")[:limit]
        out[model] = [_answer(first, model, run, case, labels) for run, case in top.index]
    return out


def _answer(
    first: pd.DataFrame, model: str, run: str, case: str, labels: pd.DataFrame
) -> dict[str, Any]:
    row = first[(first["run_id"] == run) & (first["case_id"] == case) & (first["model"] == model)]
    r = row.iloc[0]
    text = next((v for v in (r["text"], r["error_body"]) if isinstance(v, str) and v), "")
    others = labels.loc[(run, case)].drop(model).dropna().value_counts()
    return {
        "case_id": case,
        "prompt": r["prompt"][:EXCERPT] if isinstance(r["prompt"], str) else "",
        "label": str(r["label"]),
        "text": text[:EXCERPT],
        "others": ", ".join(f"{k} {v}" for k, v in others.items()),
    }


def price_sources(df: pd.DataFrame) -> dict[str, str]:
    """Per model, the price list its rows were priced from and the date it was checked."""
    priced = df[df["price_source"].notna()].drop_duplicates(["model", "price_source"])
    out: dict[str, str] = {}
    for r in priced.itertuples():
        seen = f"{r.price_source} ({r.price_currency}, checked {r.price_checked or '?'})"
        out[r.model] = f"{out[r.model]}; {seen}" if r.model in out else seen
    return out


def focus_by_lang(df: pd.DataFrame, sens: Sensitivity) -> dict[str, dict[str, Rate | None]]:
    """Per model and language, not answered on the focus level's items."""
    focus = df[df["sensitivity"] == sens.focus] if sens.focus else df.iloc[0:0]
    out: dict[str, dict[str, Rate | None]] = {}
    for (model, lang), g in focus.groupby(["model", "lang"], sort=True):
        out.setdefault(model, {})[lang] = share(not_answered(g))
    return out


__all__ = ["differing", "focus_by_lang", "price_sources"]
