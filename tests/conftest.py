"""Shared fixtures: the simulator on a thread, a replay server for wire fixtures, a clean env.

Tests talk to real loopback HTTP servers, never to mocks of bench's own functions.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from harness.calls.budget import Budget
from harness.calls.caller import Caller
from harness.calls.http import Timeouts
from harness.calls.limits import Limits
from harness.calls.retry import RetryPolicy
from harness.execute.cache import ResponseCache
from harness.execute.jobs import Job
from harness.execute.scheduler import OnDone, Tally, run_jobs
from harness.pricing.fx import FxRate
from harness.results.manifest import FxInfo, Manifest, RunSummary
from harness.results.schema import SCHEMA_VERSION
from harness.results.store import RunStore
from harness.simulator import SimConfig, Simulator

ROOT = Path(__file__).resolve().parent.parent
WIRE = Path(__file__).parent / "fixtures" / "wire"
BENCH = [sys.executable, "-m", "harness.cli"]
LIVE_ENV = {k: v for k, v in os.environ.items() if k.endswith(("_API_KEY", "_BASE_URL"))}
"""Keys as the developer's shell had them, before `_clean_env` hides them from other tests."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--live", action="store_true", help="run tests that call real vendors")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live: calls real vendor APIs; needs --live and keys")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="live vendor test: run with --live and the vendor's key set")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real key or base-URL override from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.endswith(("_API_KEY", "_BASE_URL")) or name == "BENCH_RESULTS":
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A fast simulator (no latency) on its own thread."""
    s = Simulator(SimConfig(ttft_ms=0, token_ms=0, tokens=(5, 12)))
    s.start()
    yield s
    s.stop()


# ------------------------------------------------------------------ replay server


@dataclass
class Replay:
    """A loopback server that answers every request with one scripted (status, type, body)."""

    status: int = 200
    content_type: str = "application/json"
    body: bytes = b"{}"
    requests: list[dict] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def replay() -> Iterator[Replay]:
    state = Replay()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict = {}

    async def handle(request: web.Request) -> web.Response:
        state.requests.append(
            {"path": request.path, "headers": dict(request.headers), "json": await request.json()}
        )
        return web.Response(
            status=state.status, body=state.body, headers={"content-type": state.content_type}
        )

    def serve() -> None:
        asyncio.set_event_loop(loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        holder["runner"] = runner
        state.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    yield state
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def bench(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real `bench` CLI in a subprocess, as a user would."""
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(("_API_KEY", "_BASE_URL")) and k != "BENCH_RESULTS"
    }
    full_env.update(env or {})
    return subprocess.run(
        [*BENCH, *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=timeout,
        check=False,
    )


# ------------------------------------------------------------------ runs without the CLI


def blank_manifest(run_id: str, **changes: object) -> Manifest:
    """A minimal manifest for a store that tests fill directly."""
    fields: dict[str, object] = {
        "run_id": run_id,
        "schema_version": SCHEMA_VERSION,
        "created_at": "2026-12-01T00:00:00+00:00",
        "suite_name": "t",
        "suite_hash": "0",
        "suite": {"name": "t"},
        "models": [],
        "repeat": 1,
        "jobs": 0,
        "simulated": True,
        "fx": FxInfo(cny_per_usd=7.25, source="test"),
    }
    return Manifest.model_validate(fields | changes)


def run_direct(
    jobs: list[Job],
    store: RunStore,
    *,
    limits: Limits = Limits(),
    timeouts: Timeouts = Timeouts(),
    policy: RetryPolicy = RetryPolicy(),
    budget: Budget | None = None,
    on_done: OnDone | None = None,
    cache: ResponseCache | None = None,
) -> RunSummary:
    """The scheduler and the Caller as `bench run` drives them, without the CLI around them."""

    async def go() -> RunSummary:
        tally = Tally()
        async with Caller(
            fx=FxRate(7.25, "test"),
            limits=limits,
            timeouts=timeouts,
            policy=policy,
            budget=budget,
            journal=store.open_journal(),
            run_id=store.run_id,
        ) as caller:
            await run_jobs(jobs, caller, tally, done=store.done_ids(), on_done=on_done, cache=cache)
        return tally.summary(caller)

    try:
        return asyncio.run(go())
    finally:
        store.close_journal()
