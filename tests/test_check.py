"""`bench providers --check` against the simulator standing in for two vendors."""

from __future__ import annotations

import re

from harness.simulator import Fault, SimConfig, Simulator

from .conftest import bench


def test_check_reports_ok_and_classified_errors() -> None:
    with Simulator(
        SimConfig(ttft_ms=0, token_ms=0, faults=[Fault(kind="500", times=9, match="")])
    ) as sim:
        env = {
            "DEEPSEEK_API_KEY": "sk-1",
            "DEEPSEEK_BASE_URL": f"{sim.url}/v/deepseek/global",
            "ANTHROPIC_API_KEY": "sk-2",
            "ANTHROPIC_BASE_URL": f"{sim.url}/v/anthropic/global",
        }
        sim.configure(
            SimConfig(ttft_ms=0, token_ms=0, faults=[Fault(kind="500", times=9, match="ok")])
        )
        failing = bench(
            "providers", "--check", "--vendor", "deepseek", "--vendor", "anthropic", env=env
        )
        sim.configure(SimConfig(ttft_ms=0, token_ms=0))
        passing = bench(
            "providers", "--check", "--vendor", "deepseek", "--vendor", "anthropic", env=env
        )
    assert failing.returncode == 1
    assert "FAIL deepseek:deepseek-chat: server: HTTP 500" in failing.stdout
    assert passing.returncode == 0, passing.stdout
    assert re.search(r"^ok   deepseek:deepseek-chat: (ok|truncated): TTFT", passing.stdout, re.M)
    assert re.search(
        r"^ok   anthropic:claude-haiku-4-5: (ok|truncated): TTFT", passing.stdout, re.M
    )
    assert "sk-1" not in passing.stdout + failing.stdout


def test_check_skips_vendors_without_keys() -> None:
    proc = bench("providers", "--check", "--vendor", "openai")
    assert proc.returncode == 0 and "skipped (no key set or no check model): openai" in proc.stdout
