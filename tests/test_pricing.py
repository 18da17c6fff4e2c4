"""Prices: tiers, off-peak windows, CNY, cached and reasoning tokens, unpriced models, budgets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.calls import tokens
from harness.calls.budget import Budget
from harness.calls.limits import Limits
from harness.execute.jobs import expand
from harness.pricing.fx import FxRate
from harness.pricing.quote import quote, worst_case_usd
from harness.results.store import RunStore
from harness.simulator import SimConfig, Simulator
from harness.suites import Item, Suite
from providers import load_catalog, resolve
from providers.base import Params, Usage
from providers.catalog import Vendor

from .conftest import bench, blank_manifest, run_direct

FX = FxRate(7.0, "test")
NOON = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def vendor(prices: dict) -> Vendor:
    base = load_catalog()["deepseek"].model_dump()
    base["prices"] = prices
    return Vendor.model_validate(base)


def test_plain_usd_with_cached_and_reasoning_tokens() -> None:
    v = vendor(
        {
            "m": {
                "input": 2,
                "output": 8,
                "cached_input": 0.5,
                "reasoning": 10,
                "checked": "x",
                "source": "y",
            }
        }
    )
    q = quote(
        v,
        "m",
        None,
        Usage(input_tokens=1000, output_tokens=500, reasoning_tokens=200, cached_tokens=400),
        NOON,
        FX,
    )
    assert q is not None
    # (600 × 2 + 400 × 0.5 + 300 × 8 + 200 × 10) / 1e6
    assert q.cost_usd == pytest.approx((1200 + 200 + 2400 + 2000) / 1e6)
    assert (q.input, q.output, q.cached, q.currency) == (2, 8, 0.5, "USD")


def test_cny_converts_at_the_stated_rate() -> None:
    v = vendor({"m": {"input": 7, "output": 14, "currency": "CNY", "checked": "x", "source": "y"}})
    q = quote(v, "m", None, Usage(input_tokens=1_000_000, output_tokens=1_000_000), NOON, FX)
    assert q is not None and q.cost_original == pytest.approx(21) and q.cost_usd == pytest.approx(3)


def test_whole_request_tiers() -> None:
    v = load_catalog()["doubao"]
    small = quote(
        v, "doubao-seed-2-0-pro", None, Usage(input_tokens=32_000, output_tokens=0), NOON, FX
    )
    mid = quote(
        v, "doubao-seed-2-0-pro", None, Usage(input_tokens=32_001, output_tokens=0), NOON, FX
    )
    big = quote(
        v, "doubao-seed-2-0-pro", None, Usage(input_tokens=200_000, output_tokens=1000), NOON, FX
    )
    assert small is not None and mid is not None and big is not None
    assert (small.input, small.tier) == (3.2, None)
    assert (mid.input, mid.tier) == (4.8, ">32000")
    assert mid.cost_original == pytest.approx(
        32_001 * 4.8 / 1e6
    )  # the whole request, not the excess
    assert big.cost_original == pytest.approx((200_000 * 9.6 + 1000 * 48) / 1e6)


@pytest.mark.parametrize(
    ("hour", "minute", "off"),
    [
        (16, 29, False),
        (16, 30, True),
        (23, 59, True),
        (0, 29, True),
        (0, 30, False),
        (12, 0, False),
    ],
)
def test_offpeak_window_wraps_midnight(hour: int, minute: int, off: bool) -> None:
    v = load_catalog()["deepseek"]
    at = datetime(2026, 11, 27, hour, minute, tzinfo=UTC)
    q = quote(v, "deepseek-chat", None, Usage(input_tokens=1_000_000, output_tokens=0), at, FX)
    assert q is not None and q.offpeak is off
    assert q.cost_usd == pytest.approx(0.14 * (0.5 if off else 1))


def test_unpriced_is_null_not_zero() -> None:
    v = load_catalog()["qwen"]
    assert quote(v, "qwen-plus", None, Usage(input_tokens=10, output_tokens=10), NOON, FX) is None
    assert worst_case_usd(v, "qwen-plus", 10, 10, FX) is None


def test_genai_prices_fills_gaps() -> None:
    q = quote(
        load_catalog()["xai"],
        "grok-4",
        None,
        Usage(input_tokens=1_000_000, output_tokens=0),
        NOON,
        FX,
    )
    assert q is not None and q.source.startswith("genai-prices") and q.cost_usd > 0


def test_missing_usage_is_unpriced() -> None:
    v = load_catalog()["deepseek"]
    assert quote(v, "deepseek-chat", None, Usage(), NOON, FX) is None


def test_prices_and_dry_run_commands(tmp_path: Path) -> None:
    listed = bench("prices", "doubao:doubao-seed-2-0-pro", "qwen:qwen-plus")
    assert listed.returncode == 0 and "CNY" in listed.stdout and "unpriced" in listed.stdout
    plan = bench(
        "run",
        "suites/quality.yaml",
        "--dry-run",
        "-m",
        "deepseek:deepseek-chat",
        "-m",
        "qwen:qwen-plus",
        "--results",
        str(tmp_path),
    )
    assert plan.returncode == 0, plan.stderr
    assert "nothing is sent" in plan.stdout and "MISSING DEEPSEEK_API_KEY" in plan.stdout
    assert "unpriced models: qwen:qwen-plus" in plan.stdout and not any(tmp_path.iterdir())


def test_max_cost_needs_prices_and_a_cap_on_output(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text("name: m\nitems:\n  - {id: a, prompt: hi}\n")
    no_cap = bench(
        "run",
        str(suite),
        "--simulate",
        "-m",
        "deepseek:deepseek-chat",
        "--max-cost",
        "1",
        "--results",
        str(tmp_path / "r"),
    )
    assert no_cap.returncode == 2 and "max_tokens" in no_cap.stderr
    suite.write_text("name: m\nparams: {max_tokens: 10}\nitems:\n  - {id: a, prompt: hi}\n")
    unpriced = bench(
        "run",
        str(suite),
        "--simulate",
        "-m",
        "qwen:qwen-plus",
        "--max-cost",
        "1",
        "--results",
        str(tmp_path / "r"),
    )
    assert unpriced.returncode == 2 and "has no price" in unpriced.stderr


def test_budget_exhausted_then_resumed_with_a_higher_cap(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    items = "".join(f"  - {{id: q{i}, prompt: 'budget item {i}'}}\n" for i in range(20))
    suite.write_text(f"name: b\nparams: {{max_tokens: 50}}\nitems:\n{items}")
    job_worst = 30 * 1e-6 + 50 * 10e-6  # roughly: ~30 input tokens at $1.25/M + 50 output at $10/M
    cap = job_worst * 6.5
    args = ["--results", str(tmp_path / "r"), "--no-progress", "--no-grade"]
    first = bench(
        "run",
        str(suite),
        "--simulate",
        "-m",
        "openai:gpt-5",
        "--run-id",
        "b",
        "--max-cost",
        f"{cap:.8f}",
        "--concurrency",
        "4",
        *args,
    )
    assert first.returncode == 0, first.stderr
    assert "status budget_exhausted" in first.stdout
    again = bench("run", "--resume", "b", "--max-cost", "1", *args)
    assert again.returncode == 0 and "status finished" in again.stdout, again.stdout


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prompts=st.lists(st.text(min_size=1, max_size=400), min_size=1, max_size=25),
    max_tokens=st.integers(min_value=1, max_value=300),
    cap_jobs=st.floats(min_value=0.0, max_value=30.0),
    model=st.sampled_from(["openai:gpt-5", "doubao:doubao-seed-2-0-pro", "deepseek:deepseek-chat"]),
)
def test_no_randomized_run_exceeds_its_cap(
    tmp_path_factory, prompts, max_tokens, cap_jobs, model
) -> None:  # type: ignore[no-untyped-def]
    """Whatever the prompts, output cap and budget, the recorded spend never passes the cap."""
    suite = Suite(
        name="p",
        params=Params(max_tokens=max_tokens),
        items=[Item(id=f"i{n}", prompt=p) for n, p in enumerate(prompts)],
    )
    with Simulator(SimConfig(ttft_ms=0, token_ms=0, tokens=(1, 400))) as sim:
        jobs = expand(suite, [resolve(model, simulator_url=sim.url)])
        one = max(
            worst_case_usd(
                j.target.vendor, j.target.model, tokens.upper_bound(j.messages), max_tokens, FX
            )
            or 0
            for j in jobs
        )
        budget = Budget(cap_usd=one * cap_jobs)
        store = RunStore(tmp_path_factory.mktemp("b"), "p")
        store.create(blank_manifest("p"))
        run_direct(jobs, store, limits=Limits(concurrency=8), budget=budget)
    spent = store.spent_usd()
    assert spent <= budget.cap_usd + 1e-12
    assert budget.spent_usd == pytest.approx(spent)
