"""The scheduler against the simulator: retries, Retry-After, bounds, concurrency limits."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from harness.calls.http import Timeouts
from harness.calls.limits import Limits
from harness.calls.retry import RetryPolicy
from harness.execute.jobs import expand
from harness.results.store import RunStore
from harness.simulator import Fault, SimConfig, Simulator
from harness.suites import Item, Suite
from providers import resolve

from .conftest import blank_manifest, run_direct


def suite(n: int, prefix: str = "q") -> Suite:
    return Suite(
        name="t", items=[Item(id=f"{prefix}{i}", prompt=f"{prefix} question {i}") for i in range(n)]
    )


def run(
    sim: Simulator,
    tmp_path: Path,
    s: Suite,
    models: list[str],
    *,
    limits: Limits = Limits(),
    policy: RetryPolicy = RetryPolicy(),
    timeouts: Timeouts = Timeouts(),
) -> list[dict]:
    store = RunStore(tmp_path, "r1")
    store.create(blank_manifest("r1"), overwrite=True)
    targets = [resolve(m, simulator_url=sim.url) for m in models]
    run_direct(expand(s, targets), store, limits=limits, policy=policy, timeouts=timeouts)
    return [rec.to_json() for rec in store.records()]


def test_429_retry_after_is_honoured(sim: Simulator, tmp_path: Path) -> None:
    sim.configure(
        SimConfig(ttft_ms=0, token_ms=0, faults=[Fault(kind="429", times=2, retry_after=1)])
    )
    recs = run(sim, tmp_path, suite(2), ["deepseek:deepseek-chat"])
    assert [r["row"]["outcome"] for r in recs] == ["ok", "ok"]
    assert all(r["row"]["attempts"] == 3 for r in recs)
    for prompt, times in sim.stats()["arrivals"].items():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(times) == 3, prompt
        assert all(g >= 0.95 for g in gaps), gaps  # the server's clock: waits honoured Retry-After
    kinds = [a["kind"] for a in recs[0]["attempts"]]
    assert kinds == ["rate_limit", "rate_limit", "ok"]
    assert recs[0]["attempts"][0]["retry_after_s"] == 1.0


def test_retry_after_ms_fraction(sim: Simulator, tmp_path: Path) -> None:
    sim.configure(
        SimConfig(ttft_ms=0, token_ms=0, faults=[Fault(kind="429", times=1, retry_after=0.3)])
    )
    recs = run(sim, tmp_path, suite(1), ["openai:gpt-5"])
    assert recs[0]["attempts"][0]["retry_after_s"] == pytest.approx(0.3)
    (times,) = sim.stats()["arrivals"].values()
    assert times[1] - times[0] >= 0.28


def test_gives_up_after_the_bound(sim: Simulator, tmp_path: Path) -> None:
    sim.configure(
        SimConfig(ttft_ms=0, token_ms=0, faults=[Fault(kind="500", times=99, retry_after=None)])
    )
    recs = run(
        sim,
        tmp_path,
        suite(1),
        ["deepseek:deepseek-chat"],
        policy=RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.02),
    )
    row = recs[0]["row"]
    assert (row["outcome"], row["error_kind"], row["attempts"], row["http_status"]) == (
        "error",
        "server",
        3,
        500,
    )
    assert sim.stats()["requests"] == 3


def test_moderation_block_is_never_retried(sim: Simulator, tmp_path: Path) -> None:
    s = Suite(
        name="t",
        items=[Item(id=f"t{i}", prompt=f"Tell me about Tiananmen, part {i}") for i in range(30)],
    )
    recs = run(sim, tmp_path, s, ["deepseek:deepseek-chat"])
    blocked = [r for r in recs if r["row"]["outcome"] == "api_block"]
    assert blocked, "the simulated CN vendor blocks some Tiananmen prompts"
    assert all(r["row"]["attempts"] == 1 and r["row"]["http_status"] == 400 for r in blocked)
    assert all(r["row"]["block"] == "content_exists_risk" for r in blocked)
    assert sim.stats()["requests"] == 30


def test_dropped_and_stalled_streams_are_retried(sim: Simulator, tmp_path: Path) -> None:
    sim.configure(
        SimConfig(
            ttft_ms=0,
            token_ms=0,
            faults=[
                Fault(kind="drop", times=1, match="drop"),
                Fault(kind="stall", times=1, match="stall"),
            ],
        )
    )
    s = Suite(name="t", items=[Item(id="a", prompt="drop me"), Item(id="b", prompt="stall me")])
    recs = run(
        sim,
        tmp_path,
        s,
        ["openai:gpt-5"],
        timeouts=Timeouts(read_s=0.5, deadline_s=5),
        policy=RetryPolicy(base_s=0.01, cap_s=0.02),
    )
    by_id = {r["row"]["case_id"]: r for r in recs}
    assert by_id["a"]["row"]["outcome"] == "ok" and by_id["b"]["row"]["outcome"] == "ok"
    assert [a["kind"] for a in by_id["a"]["attempts"]] == ["dropped", "ok"]
    assert [a["kind"] for a in by_id["b"]["attempts"]] == ["timeout", "ok"]


@pytest.mark.parametrize(("global_c", "endpoint_c", "expect"), [(4, None, 4), (50, 3, 3)])
def test_concurrency_limit_holds_at_the_server(
    tmp_path: Path, global_c: int, endpoint_c: int | None, expect: int
) -> None:
    with Simulator(SimConfig(ttft_ms=20, token_ms=1, tokens=(5, 10))) as sim:
        run(
            sim,
            tmp_path,
            suite(40),
            ["deepseek:deepseek-chat"],
            limits=Limits(concurrency=global_c, endpoint_concurrency=endpoint_c),
        )
        stats = sim.stats()
    assert stats["requests"] == 40
    assert stats["max_inflight"] == expect


def test_every_job_lands_once_across_models(sim: Simulator, tmp_path: Path) -> None:
    recs = run(
        sim, tmp_path, suite(10), ["deepseek:deepseek-chat", "qwen@cn:qwen-max", "openai:gpt-5"]
    )
    ids = [r["row"]["job_id"] for r in recs]
    assert len(ids) == len(set(ids)) == 30
    assert {r["row"]["model"] for r in recs} == {
        "deepseek:deepseek-chat",
        "qwen@cn:qwen-max",
        "openai:gpt-5",
    }
