"""Nightly: regression gates on constructed run pairs, drift, history, SQL across schema versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xmlschema

from harness.results.schema import RESPONSES

from .conftest import ROOT, bench, blank_manifest

XSD = ROOT / "tests" / "fixtures" / "junit.xsd"


def make_run(
    root: Path,
    run_id: str,
    flags: list[bool],
    *,
    created: str,
    reported: str = "m-2026-01",
    ttft: float = 0.2,
    suite_hash: str = "h1",
) -> None:
    """A finished run of one model: item i not answered (api_block) when flags[i]."""
    d = root / run_id
    d.mkdir(parents=True)
    n = len(flags)
    rows = {
        "run_id": [run_id] * n,
        "job_id": [f"{run_id}-{i}" for i in range(n)],
        "case_id": [f"c{i}" for i in range(n)],
        "repeat": [0] * n,
        "model": ["acme:m"] * n,
        "vendor": ["acme"] * n,
        "endpoint": ["global"] * n,
        "hq": ["US"] * n,
        "lang": ["en"] * n,
        "category": ["t"] * n,
        "tags": [["cn_sensitive"]] * n,
        "prompt": [f"p{i}" for i in range(n)],
        "text": ["" if f else "an answer" for f in flags],
        "outcome": ["api_block" if f else "ok" for f in flags],
        "model_reported": [reported] * n,
        "ttft_s": [ttft] * n,
        "e2e_s": [ttft * 3] * n,
        "attempts": [1] * n,
        "cached": [False] * n,
    }
    table = pa.table(
        {f.name: pa.array(rows.get(f.name, [None] * n), type=f.type) for f in RESPONSES},
        schema=RESPONSES,
    )
    pq.write_table(table, d / "responses-00000.parquet")
    manifest = blank_manifest(
        run_id, suite_name="s", suite_hash=suite_hash, created_at=created, status="finished"
    )
    manifest.rows = manifest.jobs = n
    (d / "manifest.json").write_text(manifest.model_dump_json())


def check(root: Path, run: str, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return bench("check", run, "--results", str(root), "--out", str(out), *extra)


def test_real_regression_fails_with_junit(tmp_path: Path) -> None:
    make_run(tmp_path, "base", [i % 5 == 0 for i in range(200)], created="2026-11-01")  # 20%
    make_run(tmp_path, "now", [i % 5 in (0, 1, 2) for i in range(200)], created="2026-11-02")  # 60%
    proc = check(tmp_path, "now", tmp_path / "out")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "REGRESSION" in proc.stdout and "now vs base" in proc.stdout  # latest = the earlier run
    xml = (tmp_path / "out" / "now" / "check.xml").read_text()
    xmlschema.validate(xml, str(XSD))
    assert 'failures="' in xml and "refusals on China-sensitive items [acme:m]" in xml
    assert "<failure" in xml


def test_same_size_change_that_is_not_significant_passes(tmp_path: Path) -> None:
    make_run(tmp_path, "base", [i == 0 for i in range(10)], created="2026-11-01")  # 10%
    make_run(
        tmp_path, "now", [i in (0, 1) for i in range(10)], created="2026-11-02"
    )  # 20%: +10 points
    proc = check(tmp_path, "now", tmp_path / "out", "--baseline", "base")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "10.0% → 20.0%" in proc.stdout and "pass" in proc.stdout
    xmlschema.validate((tmp_path / "out" / "now" / "check.xml").read_text(), str(XSD))


def test_drifted_model_id_is_flagged_without_failing(tmp_path: Path) -> None:
    make_run(tmp_path, "base", [False] * 20, created="2026-11-01", reported="m-2026-01")
    make_run(tmp_path, "now", [False] * 20, created="2026-11-02", reported="m-2026-11")
    proc = check(tmp_path, "now", tmp_path / "out")
    assert proc.returncode == 0
    assert "model id reported back changed: m-2026-01 → m-2026-11" in proc.stdout


def test_latency_rule_and_bad_input(tmp_path: Path) -> None:
    make_run(tmp_path, "base", [False] * 30, created="2026-11-01", ttft=0.2)
    make_run(tmp_path, "now", [False] * 30, created="2026-11-02", ttft=0.3)
    assert check(tmp_path, "now", tmp_path / "out").returncode == 1  # p95 TTFT +50% > 20%
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {name: x, metric: ttft_p95, max_rel_increase: 0.6}\n")
    assert check(tmp_path, "now", tmp_path / "out", "--rules", str(rules)).returncode == 0
    rules.write_text("rules:\n  - {name: x, metric: nonsense}\n")
    bad = check(tmp_path, "now", tmp_path / "out", "--rules", str(rules))
    assert bad.returncode == 2 and "rules.yaml" in bad.stderr and "Traceback" not in bad.stderr
    lonely = tmp_path / "lonely"
    make_run(lonely, "only", [False] * 5, created="2026-11-01")
    none = check(lonely, "only", tmp_path / "out")
    assert none.returncode == 2 and "no earlier finished run" in none.stderr


def test_history_and_query_across_schema_versions(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests" / "fixtures" / "runs" / "v1run", tmp_path / "v1run")
    run = bench(
        "run",
        "suites/identity.yaml",
        "--simulate",
        "-m",
        "openai:gpt-5",
        "--results",
        str(tmp_path),
        "--run-id",
        "v2run",
        "--no-progress",
    )
    assert run.returncode == 0, run.stderr
    q = bench(
        "query",
        "select run_id, count(*) n, count(cache_key) keyed from responses group by run_id order by run_id",
        "--results",
        str(tmp_path),
        "--format",
        "json",
    )
    assert q.returncode == 0, q.stderr
    got = {r["run_id"]: r for r in json.loads(q.stdout)}
    assert got["v1run"]["n"] == got["v2run"]["n"] == 28
    assert got["v1run"]["keyed"] == 0 and got["v2run"]["keyed"] == 28  # v1 lacks the column: null
    h = bench("history", "--results", str(tmp_path), "--format", "csv", "--metric", "error_rate")
    assert h.returncode == 0, h.stderr
    lines = h.stdout.strip().splitlines()
    assert lines[0] == "created_at,run_id,model,error_rate" and [
        ln.split(",")[1] for ln in lines[1:]
    ] == ["v1run", "v2run"]
    rep = bench(
        "report", "v1run", "v2run", "--results", str(tmp_path), "--out", str(tmp_path / "rep")
    )
    assert rep.returncode == 0, rep.stderr
    assert "Trend across runs" in (tmp_path / "rep" / "v1run+1" / "report.md").read_text()
