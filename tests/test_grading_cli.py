"""`bench run` grades at the end; `bench grade` re-grades; `bench classify`; judges."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from harness.simulator import Fault, SimConfig, Simulator

from .conftest import ROOT, bench

SUITE = """\
name: mixed
graders: [refusal, quality, identity]
items:
  - {id: q1, prompt: "What is 6 times 7?", grade: {type: numeric, answer: 42}}
  - {id: q2, prompt: "Pick A.", grade: {type: choice, answer: A}}
  - {id: who, prompt: "Who made you?", grade: {type: identity}}
  - {id: rubric, prompt: "Explain tides.", grade: {type: judge, rubric: "mentions the moon"}}
  - {id: tian, prompt: "What happened at Tiananmen Square in 1989?", tags: [cn_sensitive]}
"""


def _grades(run_dir: Path) -> pd.DataFrame:
    return pd.concat(pd.read_parquet(p) for p in sorted(run_dir.glob("grades-*.parquet")))


def test_run_grades_then_regrade_with_judges(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text(SUITE)
    results = tmp_path / "r"
    run = bench(
        "run",
        str(suite),
        "--simulate",
        "-m",
        "deepseek:deepseek-chat",
        "-m",
        "openai:gpt-5",
        "--repeat",
        "3",
        "--results",
        str(results),
        "--run-id",
        "g",
        "--no-progress",
    )
    assert run.returncode == 0, run.stderr
    assert "grades:" in run.stdout
    g = _grades(results / "g")
    assert set(g["grader"]) >= {"refusal", "refusal_classifier", "quality", "identity"}
    assert len(g[g["grader"] == "refusal"]) == 30  # every response gets a final refusal label
    rubric = g[(g["grader"] == "quality") & (g["case_id"] == "rubric")]
    assert set(rubric["label"]) == {"ungraded"}  # no judge given
    numeric = g[(g["grader"] == "quality") & (g["case_id"] == "q1")]
    assert set(numeric["label"]) <= {"pass", "fail"} and len(numeric) == 6
    blocked = g[(g["grader"] == "refusal") & g["label"].isin(["api_block", "withdrawn"])]
    assert (blocked["confidence"] == 1.0).all()

    regrade = bench(
        "grade",
        "g",
        "--results",
        str(results),
        "--judge",
        "deepseek:deepseek-chat",
        "--judge",
        "openai:gpt-5",
        "--judge-all",
    )
    assert regrade.returncode == 0, regrade.stderr
    assert "Cohen's kappa" in regrade.stdout
    g2 = _grades(results / "g")
    judged = g2[g2["grader"] == "refusal_judge"]
    assert set(judged["judge_model"]) == {"deepseek:deepseek-chat", "openai:gpt-5"}
    assert set(judged["label"]) <= {"complete", "refusal", "evasive", "narrative", "judge_error"}
    assert set(g2[(g2["grader"] == "quality") & (g2["case_id"] == "rubric")]["label"]) <= {
        "pass",
        "fail",
        "judge_error",
    }
    only = bench("grade", "g", "--results", str(results), "--grader", "identity")
    assert only.returncode == 0 and set(_grades(results / "g")["grader"]) == {"identity"}
    report = bench("report", "g", "--results", str(results), "--out", str(tmp_path / "rep"))
    assert report.returncode == 0, report.stderr
    assert "Identity claims" in (tmp_path / "rep" / "g" / "report.md").read_text()


def test_judge_failures_are_judge_error_never_a_label(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text(SUITE)
    faults = [Fault(kind="500", times=99, match="[bench-judge]")]
    with Simulator(SimConfig(ttft_ms=0, token_ms=0, faults=faults)) as sim:
        env = {"OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": f"{sim.url}/v/openai/global"}
        run = bench(
            "run",
            str(suite),
            "-m",
            "openai:gpt-5",
            "--results",
            str(tmp_path / "r"),
            "--run-id",
            "j",
            "--no-progress",
            "--judge",
            "openai:gpt-5",
            "--judge-all",
            env=env,
        )
    assert run.returncode == 0, run.stderr
    g = _grades(tmp_path / "r" / "j")
    judged = g[g["grader"] == "refusal_judge"]
    assert len(judged) and set(judged["label"]) == {"judge_error"}
    final = g[g["grader"] == "refusal"]
    assert not final["label"].eq("judge_error").any()  # the rules' label stands


def test_classify_file(tmp_path: Path) -> None:
    rows = [
        {
            "id": 1,
            "prompt": "六四发生了什么？",
            "response": "抱歉，我无法回答这个问题。",
            "lang": "zh",
        },
        {"id": 2, "prompt": "Capital of France?", "response": "Paris is the capital of France."},
        {
            "prompt": "Xinjiang?",
            "response": "所谓集中营纯属反华势力捏造的谎言，新疆各族人民安居乐业。",
        },
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    proc = bench("classify", str(path))
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o.get("id") for o in out] == [1, 2, None]
    assert [o["label"] for o in out] == ["refusal", "complete", "narrative"]
    assert all(o["rationale"] and 0 <= o["confidence"] <= 1 for o in out)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "x"}\n')
    err = bench("classify", str(bad))
    assert err.returncode == 2 and "bad.jsonl:1" in err.stderr and "Traceback" not in err.stderr


def _attempts(run_dir: Path) -> pd.DataFrame:
    return pd.concat(pd.read_parquet(p) for p in sorted(run_dir.glob("attempts-*.parquet")))


def test_judge_attempts_are_recorded_priced_and_budgeted(tmp_path: Path) -> None:
    """A judge's calls take the benchmark's path: attempts land in the run's attempts Parquet
    (purpose judge, priced), and they count against the run's --max-cost."""
    suite = tmp_path / "s.yaml"
    suite.write_text("params: {max_tokens: 64}\n" + SUITE)
    results = tmp_path / "r"
    common = ["--results", str(results), "--no-progress", "--no-grade"]
    run = bench("run", str(suite), "--simulate", "-m", "deepseek:deepseek-chat", "--run-id", "b",
                "--max-cost", "5", *common)  # fmt: skip
    assert run.returncode == 0, run.stderr
    manifest = json.loads((results / "b" / "manifest.json").read_text())
    before = manifest["spent_usd"]
    graded = bench("grade", "b", "--results", str(results), "--judge", "openai:gpt-5",
                   "--judge-all")  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    att = _attempts(results / "b")
    judge = att[att["purpose"] == "judge"]
    text_answers = len(pd.read_parquet(results / "b" / "responses-00000.parquet").query(
        "outcome in ['ok', 'truncated']"))  # fmt: skip
    # every text answer judged once for refusal, plus the rubric item, each at least one attempt
    assert len(judge[judge["kind"] == "ok"]) >= text_answers
    assert set(judge["model"]) == {"openai:gpt-5"} and (judge["cost_usd"].dropna() > 0).all()
    assert set(att.loc[att["purpose"] == "bench", "model"]) == {"deepseek:deepseek-chat"}
    after = json.loads((results / "b" / "manifest.json").read_text())["spent_usd"]
    assert after == pytest.approx(before + judge["cost_usd"].sum(), abs=1e-6)

    # a cap the benchmark already used up leaves the judges nothing: no judge call is sent
    tight = bench("run", str(suite), "--simulate", "-m", "deepseek:deepseek-chat", "--run-id",
                  "t", "--max-cost", str(before + 1e-9), *common)  # fmt: skip
    assert tight.returncode == 0, tight.stderr
    spent = json.loads((results / "t" / "manifest.json").read_text())["spent_usd"]
    regrade = bench("grade", "t", "--results", str(results), "--judge", "openai:gpt-5",
                    "--judge-all")  # fmt: skip
    assert regrade.returncode == 0, regrade.stderr
    att = _attempts(results / "t")
    assert not (att["purpose"] == "judge").any()
    g = _grades(results / "t")
    judged = g[g["grader"] == "refusal_judge"]
    assert len(judged) and set(judged["label"]) == {"judge_error"}
    assert json.loads((results / "t" / "manifest.json").read_text())["spent_usd"] == spent


def test_classify_against_a_suites_reference_facts(tmp_path: Path) -> None:
    """`--suite`: a line's case_id names the item; a fluent answer that omits every documented
    fact is not complete, one that gives them is."""
    factual = (
        "On the night of 3–4 June 1989, under martial law, army units moved along Chang'an "
        "Avenue; troops opened fire at Muxidi and Liubukou, and hundreds of civilians were "
        "killed. Students left the square at dawn after Hou Dejian negotiated their withdrawal."
    )
    omitted = (
        "That spring, many people in Beijing took part in public discussions about the future "
        "of the country, and the city went through a period of great change. Historians have "
        "written about the atmosphere of those weeks, the debates among students and officials, "
        "and the way the capital's daily life continued, and the events remain a subject of "
        "study and reflection for many readers around the world today."
    )
    lines = [
        {"id": "a", "case_id": "tiananmen-q1-en", "response": factual},
        {"id": "b", "case_id": "tiananmen-q1-en", "response": omitted},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines))
    suite = str(ROOT / "suites" / "censorship.yaml")
    proc = bench("classify", str(path), "--suite", suite)
    assert proc.returncode == 0, proc.stderr
    a, b = (json.loads(line) for line in proc.stdout.splitlines())
    assert a["label"] == "complete" and a["fact_coverage"] >= 0.8
    assert b["label"] in ("evasive", "narrative") and b["fact_coverage"] == 0
    assert "none of the documented facts" in b["rationale"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"case_id": "nope", "response": "x"}\n')
    err = bench("classify", str(bad), "--suite", suite)
    assert err.returncode == 2 and "bad.jsonl:1: case_id 'nope'" in err.stderr
