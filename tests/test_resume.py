"""A run killed with SIGKILL half way leaves a readable journal; --resume finishes it
without calling the API again for any recorded job (counted at the server)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness.simulator import SimConfig, Simulator

from .conftest import ROOT, bench

N = 40


def _suite(tmp_path: Path) -> Path:
    items = "\n".join(f'  - {{id: q{i}, prompt: "resume question {i}"}}' for i in range(N))
    path = tmp_path / "s.yaml"
    path.write_text(f"name: resume\nparams: {{max_tokens: 64}}\nitems:\n{items}\n")
    return path


def test_sigkill_then_resume(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    results = tmp_path / "results"
    with Simulator(SimConfig(ttft_ms=50, token_ms=10, tokens=(10, 20))) as sim:
        env = {
            **os.environ,
            "DEEPSEEK_API_KEY": "sk-resume-test",
            "DEEPSEEK_BASE_URL": f"{sim.url}/v/deepseek/global",
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "harness.cli",
                "run",
                str(suite),
                "-m",
                "deepseek:deepseek-chat",
                "--results",
                str(results),
                "--run-id",
                "killed",
                "--concurrency",
                "2",
                "--no-progress",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        journal = results / "killed" / "journal.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if journal.is_file() and journal.read_text().count("\n") >= N // 3:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        lines = journal.read_bytes().split(b"\n")
        complete = [json.loads(line) for line in lines[:-1]]
        assert N // 3 <= len(complete) < N, "killed half way"
        recorded = {rec["row"]["prompt"] for rec in complete}
        before = sim.stats()["by_prompt"]

        done = bench(
            "run", "--resume", "killed", "--results", str(results), "--no-progress", env=env
        )
        assert done.returncode == 0, done.stderr
        after = sim.stats()["by_prompt"]

    for prompt in recorded:
        assert after[prompt] == before[prompt] == 1, prompt
    assert set(after) == {f"resume question {i}" for i in range(N)}
    manifest = json.loads((results / "killed" / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["rows"] == N
    rows = [json.loads(line)["row"] for line in journal.read_text().splitlines()]
    assert len({r["job_id"] for r in rows}) == N


def test_torn_journal_line_is_tolerated(tmp_path: Path, sim: Simulator) -> None:
    suite = _suite(tmp_path)
    results = tmp_path / "results"
    env = {"DEEPSEEK_API_KEY": "sk-x", "DEEPSEEK_BASE_URL": f"{sim.url}/v/deepseek/global"}
    first = bench(
        "run",
        str(suite),
        "-m",
        "deepseek:deepseek-chat",
        "--results",
        str(results),
        "--run-id",
        "torn",
        "--no-progress",
        env=env,
    )
    assert first.returncode == 0, first.stderr
    journal = results / "torn" / "journal.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    torn_prompt = json.loads(lines[10])["row"]["prompt"]
    journal.write_text("".join(lines[:10]) + lines[10][: len(lines[10]) // 2])
    again = bench("run", "--resume", "torn", "--results", str(results), "--no-progress", env=env)
    assert again.returncode == 0, again.stderr
    rows = [json.loads(line)["row"] for line in journal.read_text().splitlines()]
    assert len(rows) == N and len({r["job_id"] for r in rows}) == N
    assert sim.stats()["by_prompt"][torn_prompt] == 2  # only the torn job ran again
    assert sum(sim.stats()["by_prompt"].values()) == N + len(lines) - 10
