"""The numbers of a report, as tables: per model, per label × sensitivity × language, paired tests.

Every figure comes from `analysis/metrics.py`, so the report and `bench check` agree; the
sensitivity levels are the ones the suite declares.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pandas as pd

from harness.analysis import metrics
from harness.analysis.labels import item_key
from harness.analysis.metrics import METRICS, latency, share, timed
from harness.analysis.stats import bootstrap_mean, bootstrap_median_diff, mcnemar, wilson
from harness.reporting.pairing import by_model, linked
from harness.results.manifest import Manifest
from harness.suites.model import Sensitivity
from providers.base import OUTCOMES

LABELS = ("complete", "refusal", "evasive", "narrative")
MAX_ALL_PAIRS = 6
"""Up to this many models every pair's latency is compared; beyond, each against the fastest."""


def _cost(g: pd.DataFrame, passes: int | None) -> dict[str, Any]:
    priced = g[g["cost_usd"].notna()]
    if priced.empty:
        return dict.fromkeys(
            (
                "cost_usd",
                "cost_per_1k",
                "cost_per_correct",
                "blended_own",
                "blended_3_1",
                "cost_cny",
            )
        )
    tokens = priced["input_tokens"].fillna(0).sum() + priced["output_tokens"].fillna(0).sum()
    ratio = (priced["cost_usd"] / priced["cost_original"]).dropna()
    usd_rate = float(ratio.median()) if len(ratio) else 1.0
    three_one = ((3 * priced["price_input"] + priced["price_output"]) / 4).median() * usd_rate
    cny = priced.loc[priced["price_currency"] == "CNY", "cost_original"]
    total = float(priced["cost_usd"].sum())
    return {
        "cost_usd": total,
        "cost_per_1k": metrics.cost_per_1k(g),
        "cost_per_correct": (total / passes) if passes else None,
        "blended_own": total / tokens * 1e6 if tokens else None,
        "blended_3_1": None if pd.isna(three_one) else float(three_one),
        "cost_cny": float(cny.sum()) if len(cny) else None,
    }


def _bench_attempts(attempts: pd.DataFrame | None, model: str) -> pd.DataFrame | None:
    """A model's own attempts (a judge's attempts measure the judge, not the model)."""
    if attempts is None:
        return None
    mine = attempts[attempts["model"] == model]
    return mine[mine["purpose"].isna() | (mine["purpose"] == "bench")]


def model_summary(
    df: pd.DataFrame, attempts: pd.DataFrame | None, sens: Sensitivity
) -> pd.DataFrame:
    """One row per model: provenance, quality, censorship rates, latency, reliability, cost."""
    rows = []
    for model, g in df.groupby("model", sort=False):
        quality = share(g["quality_pass"])
        row: dict[str, Any] = {
            "model": model,
            "vendor": g["vendor"].iloc[0],
            "hq": g["hq"].iloc[0],
            "endpoint": f"{g['vendor'].iloc[0]}@{g['endpoint'].iloc[0]}",
            "region": g["region"].iloc[0],
            "requests": len(g),
            "quality": quality,
            "not_answered": {
                tag: share(metrics.not_answered(x))
                for tag in sens.levels
                if len(x := g[g["sensitivity"] == tag])
            },
            "errors": share(metrics.is_error(g)),
            "rate_limited": metrics.rate_limited(_bench_attempts(attempts, model)),
            **{k: METRICS[k].value(g) for k in ("ttft_p50", "ttft_p95", "e2e_p50", "e2e_p95")},
            "tps_p50": latency(g, "output_tps", 0.5),
            "cps_p50": latency(g, "chars_per_s", 0.5),
            "timed": len(timed(g)),
            "suspect": int(g["latency_suspect"].fillna(False).astype(bool).sum()),
            "outcomes": {o: int((g["outcome"] == o).sum()) for o in OUTCOMES},
            "tokens_in": int(g["input_tokens"].fillna(0).sum()),
            "tokens_out": int(g["output_tokens"].fillna(0).sum()),
            "retries": int((g["attempts"].fillna(1) - 1).clip(lower=0).sum()),
            **_cost(g, quality.k if quality is not None else None),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def fact_coverage(df: pd.DataFrame) -> pd.DataFrame:
    """Per model × sensitivity × language: the mean share of documented facts the text answers
    gave (items with reference facts only), with a bootstrap interval. Censorship by omission
    shows here: an answer can be fluent, unrefused and still leave out what was asked."""
    graded = df[df["fact_coverage"].notna()]
    rows = []
    for (model, sens, lang), g in graded.groupby(["model", "sensitivity", "lang"], sort=True):
        values = g["fact_coverage"].astype(float).tolist()
        rows.append(
            {
                "model": model,
                "sensitivity": sens,
                "lang": lang,
                "n": len(values),
                "coverage": bootstrap_mean(values),
                "none": wilson(sum(v == 0 for v in values), len(values)),
            }
        )
    return pd.DataFrame(rows)


def attacks(df: pd.DataFrame, kinds: dict[str, str]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Attack success per model, per model × attack kind (the item's security check: leak,
    injection, jailbreak) × family (the item's category), with Wilson intervals; and EN vs ZH
    of the same attacks per model (McNemar on translation pairs)."""
    judged = df[df["attack_success"].notna()]
    if judged.empty:
        return pd.DataFrame(), []
    judged = judged.assign(kind=judged["case_id"].map(lambda c: kinds.get(c, "other")))
    rows = []
    for keys in (["model", "kind", "category"], ["model", "kind"], ["model"]):
        for key, g in judged.groupby(keys, sort=True):
            model, kind, family = [*key, "all", "all"][:3]
            rows.append(
                {"model": model, "kind": kind, "family": family, "rate": share(g["attack_success"])}
            )
    return pd.DataFrame(rows), _lang_tests(judged)


def _lang_tests(judged: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for model, g in judged.groupby("model"):
        items = g.set_index(item_key(g))
        left = g[g["pair_id"].notna() & (g["lang"] == "en")]
        other = item_key(left, "pair_id")
        ok = other.isin(items.index)
        if ok.sum():
            t = mcnemar(
                list(left["attack_success"][ok.to_numpy()].astype(bool)),
                list(items.loc[other[ok], "attack_success"].astype(bool)),
            )
            out.append({"model": model, "test": t})
    return out


def label_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Per model × sensitivity × language: n and each label's rate with its interval."""
    rows = []
    for (model, sens, lang), g in df.groupby(["model", "sensitivity", "lang"], sort=True):
        n = len(g)
        row = {"model": model, "sensitivity": sens, "lang": lang, "n": n}
        for lab in LABELS:
            row[lab] = wilson(int((g["label"] == lab).sum()), n)
        row["blocked"] = wilson(int(g["label"].isin(["api_block", "withdrawn"]).sum()), n)
        row["unsure"] = wilson(int(g["unsure"].astype(bool).sum()), n)
        rows.append(row)
    return pd.DataFrame(rows)


def _focus(df: pd.DataFrame, sens: Sensitivity) -> pd.DataFrame:
    return df[df["sensitivity"] == sens.focus] if sens.focus else df.iloc[0:0]


def paired_tests(df: pd.DataFrame, sens: Sensitivity) -> list[dict[str, Any]]:
    """Not-answered rates compared on shared items: model vs model (focus items), EN vs ZH of
    one model (translation pairs), a focus item vs its mirror (one model)."""
    out = []
    focus_name = sens.levels.get(sens.focus or "", "")
    focus = _focus(df, sens)
    wide = by_model(focus, "not_answered") if len(focus) else pd.DataFrame()
    for a, b in combinations(sorted(wide.columns), 2):
        shared = wide[[a, b]].dropna()
        if len(shared):
            t = mcnemar(list(shared[a].astype(bool)), list(shared[b].astype(bool)))
            out.append({"kind": f"model vs model ({focus_name})", "a": a, "b": b, "test": t})
    item = f"{focus_name} item"
    kinds = (
        ("EN vs ZH", "pair_id", df[df["pair_id"].notna() & (df["lang"] == "en")], ("EN", "ZH")),
        (
            f"{item} vs mirror",
            "mirror_id",
            _focus(df[df["mirror_id"].notna()], sens),
            (item, "mirror"),
        ),
    )
    found = {kind: linked(df, left, field) for kind, field, left, _ in kinds}
    for model in sorted(df["model"].unique()):
        for kind, _, _, names in kinds:
            if model in found[kind] and found[kind][model][0]:
                x, y = found[kind][model]
                out.append(
                    {
                        "kind": kind,
                        "a": f"{model} {names[0]}",
                        "b": f"{model} {names[1]}",
                        "test": mcnemar(x, y),
                        "pairs": len(x),
                    }
                )
    return out


def latency_diffs(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Median TTFT difference between models on the items both answered, with a paired
    bootstrap interval (timed rows only, as every latency figure)."""
    rows = timed(df)
    rows = rows[rows["ttft_s"].notna()]
    by_model = {m: g.set_index(item_key(g))["ttft_s"] for m, g in rows.groupby("model")}
    out = []
    pairs = list(combinations(sorted(by_model), 2))
    if len(by_model) > MAX_ALL_PAIRS:  # many models: each against the fastest, not all pairs
        fastest = min(by_model, key=lambda m: by_model[m].median())
        pairs = [(fastest, m) for m in sorted(by_model) if m != fastest]
    for a, b in pairs:
        shared = by_model[a].index.intersection(by_model[b].index)
        diff = bootstrap_median_diff(list(by_model[a][shared]), list(by_model[b][shared]))
        if diff is not None:
            out.append({"a": a, "b": b, "diff": diff})
    return out


def side_by_side(df: pd.DataFrame, sens: Sensitivity, limit: int = 6) -> list[dict[str, Any]]:
    """Focus items the models treated most differently, with every model's answer."""
    focus = _focus(df, sens)
    focus = focus[focus["repeat"] == 0]
    if focus.empty or focus["model"].nunique() < 2:
        return []
    spread = focus.groupby("case_id")["not_answered"].mean()
    chosen = (spread - 0.5).abs().sort_values().index[:limit]
    out = []
    for case in chosen:
        g = focus[focus["case_id"] == case]
        out.append(
            {
                "case_id": case,
                "prompt": g["prompt"].iloc[0],
                "answers": [
                    {
                        "model": r.model,
                        "label": r.label,
                        "text": (r.text or r.error_body or "")[:1200],
                    }
                    for r in g.itertuples()
                ],
            }
        )
    return out


def trend(manifests: list[Manifest], df: pd.DataFrame, sens: Sensitivity) -> pd.DataFrame:
    """One row per run × model: when, not-answered rate on focus items, TTFT p50, cost."""
    created = {m.run_id: m.created_at for m in manifests}
    rows = []
    for (run, model), g in df.groupby(["run_id", "model"], sort=False):
        focus = _focus(g, sens)
        rows.append(
            {
                "run_id": run,
                "created_at": created.get(run),
                "model": model,
                "na_focus": METRICS["not_answered"].value(focus) if len(focus) else None,
                "ttft_p50": METRICS["ttft_p50"].value(g),
                "cost_per_1k": METRICS["cost_per_1k"].value(g),
            }
        )
    return pd.DataFrame(rows).sort_values(["created_at", "model"]) if rows else pd.DataFrame()


__all__ = [
    "LABELS",
    "attacks",
    "fact_coverage",
    "label_rates",
    "latency_diffs",
    "model_summary",
    "paired_tests",
    "side_by_side",
    "trend",
]
