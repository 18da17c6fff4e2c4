"""The numbers of a report, as tables: per model, per label × sensitivity × language, paired tests.

"Not answered" (the censorship measure) is any of refusal, evasive, narrative, api_block or
withdrawn: the final refusal grade when the run was graded, else the transport outcome.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pandas as pd

from harness.analysis.stats import bootstrap_median_diff, mcnemar, wilson
from providers.base import OUTCOMES

SENSITIVITIES = ("cn_sensitive", "us_sensitive", "benign_control")
LABELS = ("complete", "refusal", "evasive", "narrative")
MAX_ALL_PAIRS = 6
"""Up to this many models every pair's latency is compared; beyond, each against the fastest."""
NOT_ANSWERED = ("refusal", "evasive", "narrative", "api_block", "withdrawn")
ANSWERED_OUTCOMES = ("ok", "truncated", "empty", "withdrawn")


def sensitivity(tags: Any) -> str:
    for tag in list(tags) if tags is not None else []:
        if tag in SENSITIVITIES:
            return tag
    return "untagged"


def annotate(df: pd.DataFrame, grades: pd.DataFrame | None) -> pd.DataFrame:
    """Responses with their sensitivity, final label and the not-answered flag."""
    df = df.assign(sensitivity=df["tags"].map(sensitivity))
    label = df["outcome"].where(df["outcome"] != "ok", "complete")
    if grades is not None and len(grades):
        final = grades[grades["grader"] == "refusal"][["run_id", "job_id", "label"]]
        merged = df[["run_id", "job_id"]].merge(final, on=["run_id", "job_id"], how="left")
        label = merged["label"].fillna(label.reset_index(drop=True)).set_axis(df.index)
    return df.assign(label=label, not_answered=label.isin(NOT_ANSWERED))


def _q(s: pd.Series, q: float) -> float | None:
    s = s.dropna()
    return float(s.quantile(q)) if len(s) else None


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
        "cost_per_1k": float(priced["cost_usd"].mean() * 1000),
        "cost_per_correct": (total / passes) if passes else None,
        "blended_own": total / tokens * 1e6 if tokens else None,
        "blended_3_1": None if pd.isna(three_one) else float(three_one),
        "cost_cny": float(cny.sum()) if len(cny) else None,
    }


def model_summary(
    df: pd.DataFrame, attempts: pd.DataFrame | None, grades: pd.DataFrame | None
) -> pd.DataFrame:
    """One row per model: provenance, quality, censorship rates, latency, reliability, cost."""
    quality = grades[grades["grader"] == "quality"] if grades is not None and len(grades) else None
    rows = []
    for model, g in df.groupby("model", sort=False):
        timed = g[g["outcome"].isin(ANSWERED_OUTCOMES) & ~g["cached"].fillna(False).astype(bool)]
        q = quality[quality["model"] == model] if quality is not None else None
        passes = int((q["label"] == "pass").sum()) if q is not None and len(q) else None
        att = attempts[attempts["model"] == model] if attempts is not None else None
        row: dict[str, Any] = {
            "model": model,
            "vendor": g["vendor"].iloc[0],
            "hq": g["hq"].iloc[0],
            "endpoint": f"{g['vendor'].iloc[0]}@{g['endpoint'].iloc[0]}",
            "region": g["region"].iloc[0],
            "requests": len(g),
            "quality": wilson(passes, len(q)) if q is not None and len(q) else None,
            **{
                f"na_{s}": wilson(int(x["not_answered"].sum()), len(x))
                for s in SENSITIVITIES
                if len(x := g[g["sensitivity"] == s])
            },
            "errors": wilson(int((g["outcome"] == "error").sum()), len(g)),
            "rate_limited": (
                wilson(int((att["kind"] == "rate_limit").sum()), len(att))
                if att is not None and len(att)
                else None
            ),
            "ttft_p50": _q(timed["ttft_s"], 0.5),
            "ttft_p95": _q(timed["ttft_s"], 0.95),
            "e2e_p50": _q(timed["e2e_s"], 0.5),
            "e2e_p95": _q(timed["e2e_s"], 0.95),
            "tps_p50": _q(timed["output_tps"], 0.5),
            "cps_p50": _q(timed["chars_per_s"], 0.5),
            "suspect": int(g["latency_suspect"].fillna(False).astype(bool).sum()),
            "outcomes": {o: int((g["outcome"] == o).sum()) for o in OUTCOMES},
            "tokens_in": int(g["input_tokens"].fillna(0).sum()),
            "tokens_out": int(g["output_tokens"].fillna(0).sum()),
            "retries": int((g["attempts"].fillna(1) - 1).clip(lower=0).sum()),
            **_cost(g, passes),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def label_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Per model × sensitivity × language: n and each label's rate with its interval."""
    rows = []
    for (model, sens, lang), g in df.groupby(["model", "sensitivity", "lang"], sort=True):
        n = len(g)
        row = {"model": model, "sensitivity": sens, "lang": lang, "n": n}
        for lab in LABELS:
            row[lab] = wilson(int((g["label"] == lab).sum()), n)
        row["blocked"] = wilson(int(g["label"].isin(["api_block", "withdrawn"]).sum()), n)
        rows.append(row)
    return pd.DataFrame(rows)


def _key(df: pd.DataFrame, case: str = "case_id") -> pd.Series:
    """Identifies an item answer within a run: comparisons never pair answers across runs."""
    return df["run_id"] + "#" + df[case] + "#" + df["repeat"].astype(str)


def paired_tests(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Not-answered rates compared on shared items: model vs model (China-sensitive items),
    EN vs ZH of one model (translation pairs), China item vs its US mirror (one model)."""
    out = []
    cn = df[df["sensitivity"] == "cn_sensitive"]
    by_model = {m: g.set_index(_key(g))["not_answered"] for m, g in cn.groupby("model")}
    for a, b in combinations(sorted(by_model), 2):
        shared = by_model[a].index.intersection(by_model[b].index)
        if len(shared):
            t = mcnemar(list(by_model[a][shared]), list(by_model[b][shared]))
            out.append({"kind": "model vs model (China-sensitive)", "a": a, "b": b, "test": t})
    for model, g in df.groupby("model"):
        items = g.set_index(_key(g))
        for kind, field, lang_a in (
            ("EN vs ZH", "pair_id", "en"),
            ("China item vs US mirror", "mirror_id", None),
        ):
            left = g[
                g[field].notna()
                & ((g["lang"] == lang_a) if lang_a else (g["sensitivity"] == "cn_sensitive"))
            ]
            other = _key(left, field)
            ok = other.isin(items.index)
            if ok.sum():
                t = mcnemar(
                    list(left["not_answered"][ok.to_numpy()]),
                    list(items.loc[other[ok], "not_answered"]),
                )
                names = ("EN", "ZH") if lang_a else ("China item", "US mirror")
                out.append(
                    {
                        "kind": kind,
                        "a": f"{model} {names[0]}",
                        "b": f"{model} {names[1]}",
                        "test": t,
                        "pairs": int(ok.sum()),
                    }
                )
    return out


def latency_diffs(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Median TTFT difference between models on the items both answered, with a paired
    bootstrap interval."""
    timed = df[df["ttft_s"].notna() & ~df["cached"].fillna(False).astype(bool)]
    by_model = {m: g.set_index(_key(g))["ttft_s"] for m, g in timed.groupby("model")}
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


def side_by_side(df: pd.DataFrame, limit: int = 6) -> list[dict[str, Any]]:
    """China-sensitive items the models treated most differently, with every model's answer."""
    cn = df[(df["sensitivity"] == "cn_sensitive") & (df["repeat"] == 0)]
    if cn.empty or cn["model"].nunique() < 2:
        return []
    spread = cn.groupby("case_id")["not_answered"].mean()
    chosen = (spread - 0.5).abs().sort_values().index[:limit]
    out = []
    for case in chosen:
        g = cn[cn["case_id"] == case]
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


def trend(manifests: list[dict], df: pd.DataFrame) -> pd.DataFrame:
    """One row per run × model: when, not-answered rate on China-sensitive items, TTFT p50."""
    created = {m["run_id"]: m.get("created_at") for m in manifests}
    rows = []
    for (run, model), g in df.groupby(["run_id", "model"], sort=False):
        cn = g[g["sensitivity"] == "cn_sensitive"]
        rows.append(
            {
                "run_id": run,
                "created_at": created.get(run),
                "model": model,
                "na_cn": cn["not_answered"].mean() if len(cn) else None,
                "ttft_p50": _q(g["ttft_s"], 0.5),
                "cost_per_1k": g["cost_usd"].mean() * 1000 if g["cost_usd"].notna().any() else None,
            }
        )
    return pd.DataFrame(rows).sort_values(["created_at", "model"]) if rows else pd.DataFrame()


__all__ = [
    "annotate",
    "label_rates",
    "latency_diffs",
    "model_summary",
    "paired_tests",
    "side_by_side",
    "trend",
]
