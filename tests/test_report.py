"""`bench run --simulate` then `bench report`: the table a user reads, from real Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.analysis.labels import annotate
from harness.reporting.tables import model_summary
from harness.suites import load_suite

from .conftest import ROOT, bench


def test_simulated_run_and_report(tmp_path: Path) -> None:
    results, reports = tmp_path / "results", tmp_path / "reports"
    suite = ROOT / "suites" / "censorship.yaml"
    run = bench(
        "run",
        str(suite),
        "--simulate",
        "-m",
        "deepseek:deepseek-chat",
        "-m",
        "openai:gpt-5",
        "--run-id",
        "rep",
        "--no-progress",
        env={"BENCH_RESULTS": str(results)},
    )
    assert run.returncode == 0, run.stderr
    assert "SIMULATED" in run.stdout and str(results / "rep") in run.stdout
    rep = bench("report", "rep", "--results", str(results), "--out", str(reports))
    assert rep.returncode == 0, rep.stderr
    text = (reports / "rep" / "report.md").read_text()
    assert "SIMULATED DATA" in text
    for col in (
        "Summary per model",
        "not answered: China-sensitive",
        "TTFT p50/p95 s",
        "Paired comparisons",
        "Answer labels by sensitivity and language",
        "USD / 1k requests",
    ):
        assert col in text
    df = pd.concat(
        pd.read_parquet(p) for p in sorted((results / "rep").glob("responses-*.parquet"))
    )
    grades = pd.concat(
        pd.read_parquet(p) for p in sorted((results / "rep").glob("grades-*.parquet"))
    )
    sens = load_suite(suite).sensitivity
    annotated = annotate(df, grades, sens)
    summary = model_summary(annotated, None, sens).set_index("model")
    assert set(summary.index) == {"deepseek:deepseek-chat", "openai:gpt-5"}
    assert (summary["requests"] == 360).all()
    # the table shows what the rows hold
    ds = annotated
    ds = ds[(ds["model"] == "deepseek:deepseek-chat") & (ds["sensitivity"] == "cn_sensitive")]
    rate = summary.loc["deepseek:deepseek-chat", "not_answered"]["cn_sensitive"]
    assert (rate.k, rate.n) == (int(ds["not_answered"].sum()), len(ds))
    assert rate.fmt() in text
    # simulated China-HQ vendors block China-sensitive items more than the US vendor does
    blocked = df.assign(b=df["outcome"].isin(["api_block", "withdrawn"])).groupby("hq")["b"].mean()
    assert blocked["CN"] > blocked["US"]
    assert df["simulated"].all() and df["ttft_s"].notna().any()
