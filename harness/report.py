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


def write_report(store: RunStore, out_dir: str | Path | None = None) -> Path:
    manifest = store.manifest()
    df = store.read("responses").to_pandas()
    out = Path(out_dir or "reports") / store.run_id
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.md"
    path.write_text(render_markdown(manifest, df), encoding="utf-8")
    return path


__all__ = ["model_summary", "render_markdown", "write_report"]
