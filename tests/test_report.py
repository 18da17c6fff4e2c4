"""`bench run --simulate` then `bench report`: the table a user reads, from real Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.report import model_summary

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
    for col in ("requests", "api_block", "TTFT p50 s", "E2E p95 s", "out tok/s p50", "tokens in"):
        assert col in text
    df = pd.concat(
        pd.read_parquet(p) for p in sorted((results / "rep").glob("responses-*.parquet"))
    )
    summary = model_summary(df).set_index("model")
    assert set(summary.index) == {"deepseek:deepseek-chat", "openai:gpt-5"}
    assert (summary["requests"] == 360).all()
    # the table shows what the rows hold
    ds = df[df["model"] == "deepseek:deepseek-chat"]
    assert (
        summary.loc["deepseek:deepseek-chat", "api_block"] == (ds["outcome"] == "api_block").sum()
    )
    assert f"| deepseek:deepseek-chat | CN | 360 | {(ds['outcome'] == 'ok').sum()} |" in text
    # simulated China-HQ vendors block China-sensitive items more than the US vendor does
    blocked = df.assign(b=df["outcome"].isin(["api_block", "withdrawn"])).groupby("hq")["b"].mean()
    assert blocked["CN"] > blocked["US"]
    assert df["simulated"].all() and df["ttft_s"].notna().any()
