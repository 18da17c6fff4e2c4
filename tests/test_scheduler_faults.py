"""The scheduler under injected faults, at scale: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from harness.calls.http import Timeouts
from harness.calls.limits import Limits
from harness.calls.pacing import LagMonitor
from harness.calls.retry import RetryPolicy
from harness.execute.jobs import expand
from harness.results.manifest import RunSummary
from harness.results.store import RunStore
from harness.simulator import Fault, SimConfig, Simulator
from harness.suites import Item, Suite
from providers import resolve

from .conftest import ROOT, bench, blank_manifest, run_direct


def _run(sim: Simulator, store: RunStore, n: int, limits: Limits, **kw) -> RunSummary:  # type: ignore[no-untyped-def]
    suite = Suite(name="t", items=[Item(id=f"q{i}", prompt=f"fault item {i}") for i in range(n)])
    jobs = expand(suite, [resolve("deepseek:deepseek-chat", simulator_url=sim.url)])
    return run_direct(jobs, store, limits=limits, **kw)


def test_5000_jobs_with_faults(tmp_path: Path) -> None:
    faults = [
        Fault(kind="429", rate=0.10, retry_after=0.05),
        Fault(kind="500", rate=0.05, retry_after=None),
        Fault(kind="drop", rate=0.02),
        Fault(kind="stall", rate=0.01, stall_s=30),
    ]
    store = RunStore(tmp_path, "big")
    store.create(blank_manifest("big"))
    with Simulator(SimConfig(ttft_ms=0, token_ms=0, tokens=(4, 8), faults=faults)) as sim:
        tally = _run(
            sim,
            store,
            5000,
            Limits(concurrency=200, endpoint_concurrency=200),
            timeouts=Timeouts(read_s=0.5, deadline_s=5),
            policy=RetryPolicy(max_attempts=8, base_s=0.01, cap_s=0.05),
        )
        requests = sim.stats()["requests"]
    store.compact()
    rows = store.read("responses").to_pylist()
    attempts = store.read("attempts").to_pylist()
    assert len(rows) == 5000 and len({r["job_id"] for r in rows}) == 5000
    assert sum(r["attempts"] for r in rows) == len(attempts) == requests
    kinds = {a["kind"] for a in attempts}
    assert {"rate_limit", "server", "dropped", "timeout", "ok"} <= kinds
    assert sum(tally.failed_attempts.values()) == sum(a["kind"] != "ok" for a in attempts)
    assert tally.adaptive["deepseek@global"].cuts >= 1  # sustained 429s backed concurrency off
    assert all(r["outcome"] != "error" or r["attempts"] == 8 for r in rows)


def test_sigkill_at_random_points(tmp_path: Path) -> None:
    rng = random.Random(11)
    with Simulator(SimConfig(ttft_ms=30, token_ms=8, tokens=(8, 16))) as sim:
        for trial in range(10):
            items = "\n".join(
                f'  - {{id: q{i}, prompt: "trial {trial} item {i}"}}' for i in range(30)
            )
            suite = tmp_path / f"s{trial}.yaml"
            suite.write_text(f"name: kill\nitems:\n{items}\n")
            env = {
                **os.environ,
                "DEEPSEEK_API_KEY": "sk-k",
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
                    str(tmp_path / "r"),
                    "--run-id",
                    f"k{trial}",
                    "--concurrency",
                    "3",
                    "--no-progress",
                    "--no-grade",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.8, 2.5))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            journal = tmp_path / "r" / f"k{trial}" / "journal.jsonl"
            recorded = set()
            if journal.is_file():
                for line in journal.read_text().splitlines():
                    with contextlib.suppress(ValueError):  # the torn last line
                        recorded.add(json.loads(line)["row"]["prompt"])
            before = sim.stats()["by_prompt"]
            if not (tmp_path / "r" / f"k{trial}" / "manifest.json").is_file():
                continue  # killed before the run began: nothing to resume
            again = bench(
                "run",
                "--resume",
                f"k{trial}",
                "--results",
                str(tmp_path / "r"),
                "--no-progress",
                "--no-grade",
                env=env,
            )
            assert again.returncode == 0, again.stderr
            after = sim.stats()["by_prompt"]
            for prompt in recorded:
                assert after[prompt] == before[prompt] == 1, (trial, prompt)
            rows = pq.read_table(
                tmp_path / "r" / f"k{trial}" / "responses-00000.parquet"
            ).to_pylist()
            assert len(rows) == 30 and len({r["job_id"] for r in rows}) == 30, trial


def test_lagging_loop_flags_rows(tmp_path: Path) -> None:
    store = RunStore(tmp_path, "lag")
    store.create(blank_manifest("lag"))
    with Simulator(SimConfig(ttft_ms=20, token_ms=1, tokens=(4, 8))) as sim:
        tally = _run(
            sim,
            store,
            40,
            Limits(concurrency=8, lag_threshold_s=0.02),
            on_done=lambda job, row: time.sleep(0.06),
        )  # blocks the loop
    store.compact()
    rows = store.read("responses").to_pylist()
    assert tally.latency_suspect == sum(r["latency_suspect"] for r in rows) > 0
    assert tally.max_loop_lag_ms is not None and tally.max_loop_lag_ms > 20


def test_cache_sends_nothing_and_measures_nothing(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "name: c\nitems:\n"
        + "".join(f"  - {{id: q{i}, prompt: 'cache me {i}'}}\n" for i in range(10))
    )
    with Simulator(SimConfig(ttft_ms=0, token_ms=0)) as sim:
        env = {"OPENAI_API_KEY": "sk-c", "OPENAI_BASE_URL": f"{sim.url}/v/openai/global"}
        args = [
            "run",
            str(suite),
            "-m",
            "openai:gpt-5",
            "--results",
            str(tmp_path / "r"),
            "--repeat",
            "2",
            "--no-progress",
            "--no-grade",
        ]
        assert bench(*args, "--run-id", "first", env=env).returncode == 0
        sent = sim.stats()["requests"]
        second = bench(*args, "--run-id", "second", "--cache", env=env)
        assert second.returncode == 0, second.stderr
        assert sim.stats()["requests"] == sent == 20
    assert "cached: 20" in second.stdout
    first = {
        (r["case_id"], r["repeat"]): r
        for r in pq.read_table(tmp_path / "r" / "first" / "responses-00000.parquet").to_pylist()
    }
    rows = pq.read_table(tmp_path / "r" / "second" / "responses-00000.parquet").to_pylist()
    assert all(
        r["cached"] and r["ttft_s"] is None and r["e2e_s"] is None and r["attempts"] == 0
        for r in rows
    )
    assert all(r["text"] == first[(r["case_id"], r["repeat"])]["text"] for r in rows)


def test_shards_merge_to_the_whole(tmp_path: Path) -> None:
    suite = ROOT / "suites" / "identity.yaml"
    ids = set()
    for k in (1, 2, 3):
        proc = bench(
            "run",
            str(suite),
            "--simulate",
            "-m",
            "openai:gpt-5",
            "--shard",
            f"{k}/3",
            "--results",
            str(tmp_path),
            "--run-id",
            f"s{k}",
            "--no-progress",
            "--no-grade",
        )
        assert proc.returncode == 0, proc.stderr
        part = {
            r["job_id"]
            for r in pq.read_table(tmp_path / f"s{k}" / "responses-00000.parquet").to_pylist()
        }
        assert part and not part & ids
        ids |= part
    merged = bench("merge", "s1", "s2", "s3", "--into", "all", "--results", str(tmp_path))
    assert merged.returncode == 0, merged.stderr
    rows = pq.read_table(tmp_path / "all" / "responses-00000.parquet").to_pylist()
    assert {r["job_id"] for r in rows} == ids and len(rows) == 28
    assert {r["run_id"] for r in rows} == {"all"}
    bad = bench("run", str(suite), "--simulate", "-m", "openai:gpt-5", "--shard", "4/3")
    assert bad.returncode == 2 and "between 1 and N" in bad.stderr


def test_token_bucket_paces_after_the_burst() -> None:
    from harness.calls.pacing import TokenBucket

    async def go() -> float:
        bucket = TokenBucket(600)  # 10 tokens a second, 600 at once
        await bucket.take(600)
        start = time.monotonic()
        await bucket.take(15)
        return time.monotonic() - start

    assert asyncio.run(go()) >= 1.4


def test_lag_flags_only_readings_taken_while_the_loop_was_behind() -> None:
    """A row is suspect when one of its clock readings fell in a span where the loop ran late,
    not merely because the loop lagged at some point while its answer streamed."""
    lag = LagMonitor(threshold_s=0.02)
    lag.spans.extend([[10.0, 10.05], [11.0, 11.04]])
    assert lag.suspect_at(9.9, 10.02, 10.4)  # first token read inside the first span
    assert lag.suspect_at(10.5, 10.7, 11.03)  # the end read inside the second
    assert not lag.suspect_at(9.5, 10.2, 10.9)  # streamed across a span, read outside it
    assert not lag.suspect_at(11.5, 11.7)
    lag.spans.append([12.0, float("inf")])  # still open: the loop has not caught up yet
    assert lag.suspect_at(11.9, 12.5)
