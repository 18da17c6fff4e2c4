"""One definition per metric: the report and `bench check` read the same figure from a run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from harness.analysis.metrics import METRICS, timed

from .conftest import ROOT, bench


def test_check_and_report_give_the_same_e2e_p95(tmp_path: Path) -> None:
    results, out = tmp_path / "r", tmp_path / "out"
    run = bench("run", str(ROOT / "suites" / "censorship.yaml"), "--simulate", "-m",
                "deepseek:deepseek-chat", "--run-id", "m", "--results", str(results),
                "--no-progress")  # fmt: skip
    assert run.returncode == 0, run.stderr
    df = pd.read_parquet(results / "m" / "responses-00000.parquet")
    # the run holds rows a latency figure must leave out (blocks, errors), so a definition
    # that counted them would differ
    assert (~df["outcome"].isin(["ok", "truncated", "empty", "withdrawn"])).any()
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {name: e2e, metric: e2e_p95, max_rel_increase: 0.5}\n")
    check = bench("check", "m", "--baseline", "m", "--rules", str(rules), "--results",
                  str(results), "--out", str(out))  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    shown = re.search(r"\| e2e \| deepseek:deepseek-chat \| pass \| ([\d.]+) →", check.stdout)
    assert shown, check.stdout
    rep = bench("report", "m", "--results", str(results), "--out", str(out), "--format", "json")
    assert rep.returncode == 0, rep.stderr
    (summary,) = json.loads((out / "m" / "report.json").read_text())["summary"]
    assert float(shown.group(1)) == pytest.approx(summary["e2e_p95"], rel=1e-3)
    expected = timed(df)["e2e_s"].quantile(0.95)
    assert summary["e2e_p95"] == pytest.approx(expected)
    assert METRICS["e2e_p95"].doc.endswith("timed rows")
