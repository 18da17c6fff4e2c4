"""The simulator: a loopback HTTP server that plays every catalog vendor.

Routes are `/v/{vendor}/{endpoint}/<protocol path>`; the vendor's catalog entry tells it
which protocol to speak and which moderation bodies to replay. Faults (429 with Retry-After,
500, 529, dropped streams, stalls) are injected by configuration, and the server keeps the
counts tests need (requests per prompt, peak concurrency). It runs in a thread of its own
(`Simulator`) or as a process (`python -m harness.simulator`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import threading
import uuid
from collections import Counter
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from harness.simulator.behaviour import Scenario, Script, default_scenario, script_for
from harness.simulator.openai_wire import OpenAIChatRenderer
from providers.catalog import Vendor, load_catalog


class Fault(BaseModel):
    """One injected fault; `times` fails the first N requests per prompt, `rate` a share."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["429", "500", "529", "drop", "stall"]
    rate: float | None = Field(None, ge=0, le=1)
    times: int | None = Field(None, ge=1)
    match: str | None = None
    """Only prompts containing this text."""
    retry_after: float | None = 1.0
    stall_s: float = 3600.0


class SimConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ttft_ms: float = Field(40.0, ge=0)
    token_ms: float = Field(2.0, ge=0)
    tokens: tuple[int, int] = (20, 60)
    keepalive: bool = True
    """Send an SSE `: keep-alive` comment before the first chunk, as some vendors do."""
    faults: list[Fault] = []


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.inflight = 0
        self.max_inflight = 0
        self.by_prompt: Counter[str] = Counter()
        self.nth: Counter[tuple[str, str, str]] = Counter()
        self.arrivals: dict[str, list[float]] = {}

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "inflight": self.inflight,
                "max_inflight": self.max_inflight,
                "by_prompt": dict(self.by_prompt),
                "arrivals": {k: list(v) for k, v in self.arrivals.items()},
            }


def _prompt(body: dict[str, Any]) -> str:
    for msg in reversed(body.get("messages") or []):
        if msg.get("role") == "user":
            content = msg.get("content")
            return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    return ""


def _error(status: int, message: str, kind: str) -> web.Response:
    body = {"error": {"message": message, "type": kind, "code": kind}}
    return web.json_response(body, status=status)


class SimApp:
    def __init__(self, config: SimConfig, scenario: Scenario, catalog: dict[str, Vendor]) -> None:
        self.config = config
        self.scenario = scenario
        self.catalog = catalog
        self.state = _State()

    def build(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v/{vendor}/{endpoint}/chat/completions", self.openai_chat)
        app.router.add_get("/_sim/stats", self.stats)
        app.router.add_post("/_sim/config", self.set_config)
        return app

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.state.snapshot())

    async def set_config(self, request: web.Request) -> web.Response:
        self.config = SimConfig.model_validate(await request.json())
        return web.json_response({"ok": True})

    # ------------------------------------------------------------------ faults

    def _fault(self, prompt: str, nth: int) -> Fault | None:
        for fault in self.config.faults:
            if fault.match is not None and fault.match not in prompt:
                continue
            if fault.times is not None:
                if nth < fault.times:
                    return fault
                continue
            seed = hashlib.sha256(f"{fault.kind}\x1f{prompt}\x1f{nth}".encode()).digest()
            if fault.rate is not None and random.Random(seed).random() < fault.rate:
                return fault
        return None

    @staticmethod
    def _status_fault(fault: Fault) -> web.Response:
        status = int(fault.kind)
        headers = {}
        if fault.retry_after is not None:
            if float(fault.retry_after).is_integer():
                headers["retry-after"] = str(int(fault.retry_after))
            else:
                headers["retry-after-ms"] = str(int(fault.retry_after * 1000))
        kinds = {429: "rate_limit_error", 500: "server_error", 529: "overloaded_error"}
        resp = _error(status, f"simulated {status}", kinds[status])
        resp.headers.update(headers)
        return resp

    # ------------------------------------------------------------------ protocol

    async def openai_chat(self, request: web.Request) -> web.StreamResponse:
        vendor = self.catalog.get(request.match_info["vendor"])
        if vendor is None:
            return _error(404, "unknown simulated vendor", "not_found")
        if not request.headers.get("authorization"):
            return _error(401, "missing API key", "invalid_authentication")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "body is not JSON", "invalid_request_error")
        prompt, model = _prompt(body), str(body.get("model", ""))
        st = self.state
        with st.lock:
            key = (vendor.id, model, prompt)
            nth = st.nth[key]
            st.nth[key] += 1
            st.requests += 1
            st.by_prompt[prompt] += 1
            st.inflight += 1
            st.max_inflight = max(st.max_inflight, st.inflight)
            st.arrivals.setdefault(prompt, []).append(asyncio.get_running_loop().time())
        try:
            return await self._answer(request, vendor, body, prompt, model, nth)
        finally:
            with st.lock:
                st.inflight -= 1

    async def _answer(
        self,
        request: web.Request,
        vendor: Vendor,
        body: dict[str, Any],
        prompt: str,
        model: str,
        nth: int,
    ) -> web.StreamResponse:
        cfg = self.config
        fault = self._fault(prompt, nth)
        if fault is not None and fault.kind in ("429", "500", "529"):
            return self._status_fault(fault)
        max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
        script = script_for(self.scenario, vendor, model, prompt, nth, cfg.tokens, max_tokens)
        sig = script.block
        if script.action == "block" and sig is not None and sig.example and sig.status:
            return web.Response(
                status=sig.status, text=sig.example, content_type="application/json"
            )
        rid = f"chatcmpl-sim-{uuid.uuid4().hex[:16]}"
        field = vendor.quirks.reasoning_fields[0]
        wire = OpenAIChatRenderer(rid, model, field, max(1, len(prompt) // 4))
        finish = script.finish
        if sig is not None and sig.finish_reason:
            finish = sig.finish_reason
        if cfg.ttft_ms:
            await asyncio.sleep(cfg.ttft_ms / 1000)
        if not body.get("stream"):
            if cfg.token_ms:
                await asyncio.sleep(cfg.token_ms * len(script.tokens) / 1000)
            return web.json_response(wire.body(script, finish))
        resp = web.StreamResponse(
            headers={"content-type": "text/event-stream", "cache-control": "no-cache"}
        )
        await resp.prepare(request)
        await self._stream(request, resp, wire, script, finish, body, fault)
        return resp

    async def _stream(
        self,
        request: web.Request,
        resp: web.StreamResponse,
        wire: OpenAIChatRenderer,
        script: Script,
        finish: str,
        body: dict[str, Any],
        fault: Fault | None,
    ) -> None:
        cfg = self.config
        chunks = [b": keep-alive\n\n"] if cfg.keepalive else []
        chunks.append(wire.role())
        chunks.extend(wire.reasoning(t) for t in script.reasoning)
        chunks.extend(wire.content(t) for t in script.tokens)
        if fault is not None and fault.kind in ("drop", "stall"):
            half = chunks[: max(2, len(chunks) // 2)]
            await resp.write(b"".join(half))
            if fault.kind == "stall":
                await asyncio.sleep(fault.stall_s)
            if request.transport is not None:
                request.transport.close()
            return
        sig = script.block
        if script.action == "withdrawn" and sig is not None and not sig.finish_reason:
            chunks.append(wire.error_event(sig.example or '{"error":{"message":"blocked"}}'))
        else:
            chunks.append(wire.finish(finish))
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append(wire.usage_chunk(script, len(script.tokens)))
        chunks.append(wire.done)
        if not cfg.token_ms:
            await resp.write(b"".join(chunks))
        else:
            delay = cfg.token_ms / 1000
            for i, chunk in enumerate(chunks):
                if i > 1:
                    await asyncio.sleep(delay)
                await resp.write(chunk)
        await resp.write_eof()


class Simulator:
    """The simulator on a thread of its own, for `--simulate` and for tests."""

    def __init__(
        self,
        config: SimConfig | None = None,
        scenario: Scenario | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.app = SimApp(config or SimConfig(), scenario or default_scenario(), load_catalog())
        self.host, self.port = host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def configure(self, config: SimConfig) -> None:
        self.app.config = config

    def stats(self) -> dict[str, Any]:
        return self.app.state.snapshot()

    def start(self) -> str:
        self._thread = threading.Thread(target=self._serve, name="bench-simulator", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self.url

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        runner = web.AppRunner(self.app.build(), access_log=None, shutdown_timeout=0.2)
        try:
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, self.host, self.port, backlog=1024)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["Fault", "SimApp", "SimConfig", "Simulator"]
