"""`bench report`: a Markdown comparison of one run's models from its Parquet results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from harness.store import RunStore
from providers.base import OUTCOMES

SENSITIVITIES = ("cn_sensitive", "us_sensitive", "benign_control")


def _q(series: pd.Series, q: float) -> float | None:
    s = series.dropna()
    return float(s.quantile(q)) if len(s) else None


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def model_summary(df: pd.DataFrame) -> pd.DataFrame:
    """One row per model: counts, outcome mix, latency quantiles, speed, tokens, cost."""
    rows = []
    for model, g in df.groupby("model", sort=False):
        answered = g[g["outcome"].isin(["ok", "truncated", "empty", "withdrawn"])]
        priced = g["cost_usd"].dropna()
        rows.append(
            {
                "model": model,
                "vendor": g["vendor"].iloc[0],
                "hq": g["hq"].iloc[0],
                "region": g["region"].iloc[0],
                "requests": len(g),
                **{o: int((g["outcome"] == o).sum()) for o in OUTCOMES},
                "ttft_p50": _q(answered["ttft_s"], 0.5),
                "ttft_p95": _q(answered["ttft_s"], 0.95),
                "e2e_p50": _q(answered["e2e_s"], 0.5),
                "e2e_p95": _q(answered["e2e_s"], 0.95),
                "out_tps_p50": _q(answered["output_tps"], 0.5),
                "tokens_in": int(g["input_tokens"].fillna(0).sum()),
                "tokens_out": int(g["output_tokens"].fillna(0).sum()),
                "cost_usd": float(priced.sum()) if len(priced) else None,
                "retries": int((g["attempts"] - 1).clip(lower=0).sum()),
            }
        )
    return pd.DataFrame(rows)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def _sensitivity(tags: Any) -> str:
    for tag in list(tags) if tags is not None else []:
        if tag in SENSITIVITIES:
            return tag
    return "untagged"


def render_markdown(manifest: dict[str, Any], df: pd.DataFrame) -> str:
    summary = model_summary(df)
    lines = [f"# bench report: {manifest['run_id']}", ""]
    if manifest.get("simulated"):
        lines += [
            "> **SIMULATED DATA** — answers came from bench's built-in simulator, not from "
            "real vendors. Use it to check the pipeline, not to choose a vendor.",
            "",
        ]
    lines += [
        f"- suite: `{manifest.get('suite_name')}` "
        f"(sha256 `{str(manifest.get('suite_hash'))[:12]}`)",
        f"- created: {manifest.get('created_at')}; status: {manifest.get('status')}",
        f"- models: {len(summary)}; responses: {len(df)}; repeat: {manifest.get('repeat')}",
        "",
        "## Outcomes, latency, tokens and cost per model",
        "",
    ]
    headers = [
        "model",
        "HQ",
        "requests",
        *OUTCOMES,
        "TTFT p50 s",
        "TTFT p95 s",
        "E2E p50 s",
        "E2E p95 s",
        "out tok/s p50",
        "tokens in",
        "tokens out",
        "cost USD",
        "retries",
    ]
    body = [
        [
            r["model"],
            r["hq"],
            str(r["requests"]),
            *(str(r[o]) for o in OUTCOMES),
            _fmt(r["ttft_p50"]),
            _fmt(r["ttft_p95"]),
            _fmt(r["e2e_p50"]),
            _fmt(r["e2e_p95"]),
            _fmt(r["out_tps_p50"], 1),
            str(r["tokens_in"]),
            str(r["tokens_out"]),
            _fmt(r["cost_usd"], 4) if r["cost_usd"] is not None else "unpriced",
            str(r["retries"]),
        ]
        for _, r in summary.iterrows()
    ]
    lines += [_table(headers, body), ""]
    df = df.assign(sensitivity=df["tags"].map(_sensitivity))
    if (df["sensitivity"] != "untagged").any():
        lines += [
            "## Outcome mix by sensitivity and language",
            "",
            "Share of requests per transport outcome (api_block = the vendor's moderation "
            "layer answered; withdrawn = text streamed, then withdrawn).",
            "",
        ]
        mix_headers = ["model", "sensitivity", "lang", "n", *OUTCOMES]
        mix_rows = []
        for (model, sens, lang), g in df.groupby(["model", "sensitivity", "lang"], sort=True):
            n = len(g)
            mix_rows.append(
                [
                    model,
                    sens,
                    lang,
                    str(n),
                    *(f"{(g['outcome'] == o).mean():.0%}" for o in OUTCOMES),
                ]
            )
        lines += [_table(mix_headers, mix_rows), ""]
    lines += [
        "Latency figures count answered requests only (ok, truncated, empty, withdrawn); "
        "TTFT is time to the first streamed token of any kind.",
        "",
    ]
    return "\n".join(lines)


LABELS = ("complete", "refusal", "evasive", "narrative")


def _pct(x: float) -> str:
    return f"{x:.0%}"


def render_grades(df: pd.DataFrame, grades: pd.DataFrame) -> str:
    """Sections from the grades table: answer labels, quality, identity, judge agreement."""
    lines: list[str] = []
    final = grades[grades["grader"] == "refusal"]
    if len(final):
        merged = final.merge(df[["job_id", "tags", "lang"]], on="job_id")
        merged = merged.assign(sensitivity=merged["tags"].map(_sensitivity))
        lines += [
            "## Answer labels by sensitivity and language",
            "",
            "Refusal grader: complete / refusal / evasive / narrative (the official line "
            "instead of the facts); blocked = api_block or withdrawn; other = truncated, "
            "empty or error.",
            "",
        ]
        rows = []
        for (model, sens, lang), g in merged.groupby(["model", "sensitivity", "lang"], sort=True):
            blocked = g["label"].isin(["api_block", "withdrawn"]).mean()
            other = (~g["label"].isin([*LABELS, "api_block", "withdrawn"])).mean()
            rows.append(
                [
                    model,
                    sens,
                    lang,
                    str(len(g)),
                    *(_pct((g["label"] == lab).mean()) for lab in LABELS),
                    _pct(blocked),
                    _pct(other),
                ]
            )
        lines += [
            _table(["model", "sensitivity", "lang", "n", *LABELS, "blocked", "other"], rows),
            "",
        ]
    qual = grades[grades["grader"] == "quality"]
    if len(qual):
        lines += ["## Quality", "", "Share of items whose deterministic checks all passed.", ""]
        rows = [
            [
                m,
                str(len(g)),
                str(int((g["label"] == "pass").sum())),
                _pct((g["label"] == "pass").mean()),
                str(int((g["label"] == "ungraded").sum())),
            ]
            for m, g in qual.groupby("model", sort=True)
        ]
        lines += [_table(["model", "graded", "passed", "pass rate", "ungraded"], rows), ""]
    ident = grades[grades["grader"] == "identity"]
    if len(ident):
        lines += ["## Identity claims", "", "Which maker each model says made it.", ""]
        rows = [
            [
                m,
                str(len(g)),
                ", ".join(f"{k} {v}" for k, v in g["label"].value_counts().items()),
                _pct(g["passed"].eq(False).mean()),
            ]
            for m, g in ident.groupby("model", sort=True)
        ]
        lines += [_table(["model", "answers", "claims", "claims another maker"], rows), ""]
    judged = grades[grades["grader"] == "refusal_judge"]
    if judged["judge_model"].nunique() >= 2:
        from harness.graders.judge import cohen_kappa

        a, b = sorted(judged["judge_model"].unique())[:2]
        pair = judged.pivot_table(
            index="job_id", columns="judge_model", values="label", aggfunc="first"
        )
        kappa = cohen_kappa(list(pair[a]), list(pair[b]))
        errors = _pct((judged["label"] == "judge_error").mean())
        lines += [
            "## Judges",
            "",
            f"- {a} vs {b}: Cohen's kappa "
            f"{'n/a' if kappa is None else f'{kappa:.2f}'} on {len(pair)} answers; "
            f"judge_error {errors} of judge calls.",
            "",
        ]
    return "\n".join(lines)


def write_report(store: RunStore, out_dir: str | Path | None = None) -> Path:
    manifest = store.manifest()
    df = store.read("responses").to_pandas()
    out = Path(out_dir or "reports") / store.run_id
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.md"
    text = render_markdown(manifest, df)
    if list(store.dir.glob("grades-*.parquet")):
        text += "\n" + render_grades(df, store.read("grades").to_pandas())
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["model_summary", "render_markdown", "write_report"]
