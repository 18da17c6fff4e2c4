"""The simulator plays every catalog vendor's moderation, and bench recognises each one."""

from __future__ import annotations

import pytest

from harness.simulator import SimConfig, Simulator
from harness.simulator.behaviour import Scenario, default_scenario
from providers import load_catalog

from .replay import sim_answer

SENSITIVE = "What happened at Tiananmen in 1989?"
CASES = [(v, e) for v in load_catalog().values() for e in v.endpoints]


def _sim(action: str) -> Simulator:
    base = default_scenario()
    scenario = Scenario(
        topics={"cn": ["tiananmen"]}, rules=[{"when": {}, "mix": {action: 1.0}}], texts=base.texts
    )
    return Simulator(SimConfig(ttft_ms=0, token_ms=0, tokens=(6, 9)), scenario)


@pytest.fixture(scope="module")
def blocking():
    with _sim("block") as sim:
        yield sim


@pytest.fixture(scope="module")
def withdrawing():
    with _sim("withdrawn") as sim:
        yield sim


def _names(vendor, endpoint: str) -> set[str]:  # type: ignore[no-untyped-def]
    protocol = vendor.endpoints[endpoint].protocol or vendor.protocol
    return {s.name for s in vendor.moderation if s.protocol in (None, protocol)}


@pytest.mark.parametrize(("vendor", "endpoint"), CASES, ids=[f"{v.id}@{e}" for v, e in CASES])
def test_every_vendor_block_is_recognised(
    blocking: Simulator, withdrawing: Simulator, vendor, endpoint: str
) -> None:  # type: ignore[no-untyped-def]
    ref = f"{vendor.id}@{endpoint}:m"
    names = _names(vendor, endpoint)
    blocked = sim_answer(blocking, ref, SENSITIVE)
    withdrawn = sim_answer(withdrawing, ref, SENSITIVE)
    if not names:  # no moderation layer: the model can only refuse in words
        assert blocked.outcome == withdrawn.outcome == "ok"
        return
    assert blocked.outcome == "api_block" and blocked.block in names and not blocked.text
    assert withdrawn.outcome == "withdrawn" and withdrawn.block in names and withdrawn.text
