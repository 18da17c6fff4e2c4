"""Calling an adapter through the real timed attempt against the replay server."""

from __future__ import annotations

import asyncio
import json

from harness.calls.http import ClientPool, Timeouts, attempt
from harness.simulator import Simulator
from providers import adapter_for, load_catalog, parse_ref, resolve
from providers.base import Answer, Failure, Params

from .conftest import Replay

SSE = "text/event-stream"
PROMPT = "Describe the history of the bicycle."


async def call(ref: str, replay: Replay, *, stream: bool = True, **params) -> Answer | Failure:
    vendor_id, endpoint, _ = parse_ref(ref)
    vendor = load_catalog()[vendor_id]
    base = vendor.base_url_env_for(endpoint or vendor.default_endpoint)
    target = resolve(ref, env={vendor.api_key_env: "sk-test", base: replay.url + "/v1"})
    adapter = adapter_for(target)
    wire = adapter.build(
        target, [{"role": "user", "content": "hi"}], Params(stream=stream, **params)
    )
    pool = ClientPool(1, Timeouts(read_s=5))
    try:
        att = await attempt(pool.client(0), adapter, target, wire, 10)
    finally:
        await pool.aclose()
    if isinstance(att.result, Answer) and att.result.outcome in ("ok", "truncated"):
        assert att.e2e_s > 0
    return att.result


def serve(
    replay: Replay, status: int, body: str | bytes, content_type: str = "application/json"
) -> None:
    replay.status = status
    replay.body = body.encode() if isinstance(body, str) else body
    replay.content_type = content_type


def sse(*events: dict | str) -> str:
    return "".join(
        f"data: {e if isinstance(e, str) else json.dumps(e, ensure_ascii=False)}\n\n"
        for e in events
    )


def sim_answer(sim: Simulator, ref: str, prompt: str = PROMPT, stream: bool = True) -> Answer:
    """What bench's adapter makes of the simulator's answer to one prompt."""
    target = resolve(ref, simulator_url=sim.url)
    adapter = adapter_for(target)
    wire = adapter.build(
        target, [{"role": "user", "content": prompt}], Params(stream=stream, max_tokens=200)
    )

    async def go() -> Answer:
        pool = ClientPool(1, Timeouts(read_s=5))
        try:
            att = await attempt(pool.client(0), adapter, target, wire, 10)
        finally:
            await pool.aclose()
        assert isinstance(att.result, Answer), att.result
        return att.result

    return asyncio.run(go())
