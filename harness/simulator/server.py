"""The simulator: a loopback HTTP server that plays every catalog vendor.

Routes are `/v/{vendor}/{endpoint}/<protocol path>` (`chat/completions`, `v1/messages`,
`[v1beta/]models/{model}:generateContent` or `:streamGenerateContent`); the vendor's catalog
entry gives the moderation bodies to replay. Faults (429 with Retry-After,
500, 529, dropped streams, stalls) are injected by configuration, and the server keeps the
counts tests need (requests per prompt, peak concurrency). It runs in a thread of its own
(`Simulator`) or as a process (`python -m harness.simulator`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from harness.simulator.anthropic_wire import AnthropicRenderer
from harness.simulator.behaviour import Scenario, default_scenario, script_for
from harness.simulator.gemini_wire import GeminiRenderer
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
    judge_noise: float = Field(0.1, ge=0, le=1)
    """Share of a simulated judge's labels changed at random (0: it says what bench's
    classifier says)."""
    vary_repeats: bool = True
    """Off: the same prompt always gets the same answer (for comparing two clients)."""


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.inflight = 0
        self.max_inflight = 0
        self.by_prompt: Counter[str] = Counter()
        self.nth: Counter[tuple[str, str, str]] = Counter()
        self.arrivals: dict[str, list[float]] = {}
        self.first_token: dict[str, list[float]] = {}
        """Wall-clock time the first token of each streamed answer was written, per prompt."""

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "inflight": self.inflight,
                "max_inflight": self.max_inflight,
                "by_prompt": dict(self.by_prompt),
                "arrivals": {k: list(v) for k, v in self.arrivals.items()},
                "first_token": {k: list(v) for k, v in self.first_token.items()},
            }


@dataclass(slots=True)
class _Request:
    """What the simulator needs from a request, whatever the protocol."""

    protocol: str
    prompt: str
    model: str
    stream: bool
    max_tokens: int | None
    key: str | None
    system: str = ""


def _last_user_text(messages: list[dict[str, Any]], text_of: Any) -> str:
    for msg in reversed(messages or []):
        if msg.get("role") == "user":
            return text_of(msg)
    return ""


def _chat_text(msg: dict[str, Any]) -> str:
    content = msg.get("content")
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def _gemini_text(msg: dict[str, Any]) -> str:
    return "".join(p.get("text", "") for p in msg.get("parts") or [] if isinstance(p, dict))


def _system_text(protocol: str, body: dict[str, Any]) -> str:
    """The system prompt, wherever the protocol puts it."""
    if protocol == "openai_chat":
        msgs = body.get("messages") or []
        return "".join(
            _chat_text(m) for m in msgs if isinstance(m, dict) and m.get("role") == "system"
        )
    if protocol == "anthropic_messages":
        system = body.get("system")
        return system if isinstance(system, str) else _chat_text({"content": system})
    instruction = body.get("systemInstruction") or body.get("system_instruction") or {}
    return _gemini_text(instruction) if isinstance(instruction, dict) else ""


def _parse_request(request: web.Request, tail: str, body: dict[str, Any]) -> _Request | None:
    req = _parse_wire(request, tail, body)
    if req is not None:
        req.system = _system_text(req.protocol, body)
    return req


def _parse_wire(request: web.Request, tail: str, body: dict[str, Any]) -> _Request | None:
    headers = request.headers
    if tail.endswith("chat/completions"):
        return _Request(
            "openai_chat",
            _last_user_text(body.get("messages"), _chat_text),
            str(body.get("model", "")),
            bool(body.get("stream")),
            body.get("max_tokens") or body.get("max_completion_tokens"),
            headers.get("authorization"),
        )
    if tail.endswith("v1/messages"):
        return _Request(
            "anthropic_messages",
            _last_user_text(body.get("messages"), _chat_text),
            str(body.get("model", "")),
            bool(body.get("stream")),
            body.get("max_tokens"),
            headers.get("x-api-key") or headers.get("authorization"),
        )
    m = re.search(r"models/([^/:]+):(generateContent|streamGenerateContent)$", tail)
    if m:
        contents = [{"role": c.get("role", "user"), **c} for c in body.get("contents") or []]
        config = body.get("generationConfig") or {}
        return _Request(
            "gemini",
            _last_user_text(contents, _gemini_text),
            m.group(1),
            m.group(2) == "streamGenerateContent",
            config.get("maxOutputTokens"),
            headers.get("x-goog-api-key") or request.query.get("key"),
        )
    return None


def _error(status: int, message: str, kind: str) -> web.Response:
    body = {"error": {"message": message, "type": kind, "code": kind}}
    return web.json_response(body, status=status)


def _renderer(req: _Request, vendor: Vendor, body: dict[str, Any]) -> Any:
    rid = uuid.uuid4().hex[:24]
    prompt_tokens = max(1, len(req.prompt) // 4)
    if req.protocol == "anthropic_messages":
        return AnthropicRenderer(f"msg_sim{rid}", req.model, prompt_tokens)
    if req.protocol == "gemini":
        return GeminiRenderer(rid, req.model, prompt_tokens)
    include = bool((body.get("stream_options") or {}).get("include_usage"))
    return OpenAIChatRenderer(
        f"chatcmpl-sim{rid}", req.model, prompt_tokens, vendor.quirks.reasoning_fields[0], include
    )


class SimApp:
    def __init__(self, config: SimConfig, scenario: Scenario, catalog: dict[str, Vendor]) -> None:
        self.config = config
        self.scenario = scenario
        self.catalog = catalog
        self.state = _State()

    def build(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v/{vendor}/{endpoint}/{tail:.*}", self.handle)
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
    def _status_fault(fault: Fault, wire: Any) -> web.Response:
        status = int(fault.kind)
        resp = web.json_response(
            wire.error_body(status, "server_error", f"simulated {status}"), status=status
        )
        if fault.retry_after is not None:
            if float(fault.retry_after).is_integer():
                resp.headers["retry-after"] = str(int(fault.retry_after))
            else:
                resp.headers["retry-after-ms"] = str(int(fault.retry_after * 1000))
        return resp

    # ------------------------------------------------------------------ protocols

    async def handle(self, request: web.Request) -> web.StreamResponse:
        vendor = self.catalog.get(request.match_info["vendor"])
        if vendor is None:
            return _error(404, "unknown simulated vendor", "not_found")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "body is not JSON", "invalid_request_error")
        except ConnectionError:  # the client went away before its request arrived
            return web.Response(status=499)
        req = _parse_request(request, request.match_info["tail"], body)
        if req is None:
            return _error(404, "no such protocol path", "not_found")
        if not req.key:
            return _error(401, "missing API key", "authentication_error")
        st = self.state
        nth_key = (vendor.id, req.model, req.prompt)
        with st.lock:
            nth = st.nth[nth_key]
            st.nth[nth_key] += 1
            st.requests += 1
            st.by_prompt[req.prompt] += 1
            st.inflight += 1
            st.max_inflight = max(st.max_inflight, st.inflight)
            st.arrivals.setdefault(req.prompt, []).append(asyncio.get_running_loop().time())
        try:
            return await self._answer(request, vendor, body, req, nth)
        except ConnectionError:  # the client went away mid-answer: nothing to report
            return web.Response(status=499)
        finally:
            with st.lock:
                st.inflight -= 1

    async def _answer(
        self, request: web.Request, vendor: Vendor, body: dict[str, Any], req: _Request, nth: int
    ) -> web.StreamResponse:
        cfg = self.config
        wire = _renderer(req, vendor, body)
        fault = self._fault(req.prompt, nth)
        if fault is not None and fault.kind in ("429", "500", "529"):
            return self._status_fault(fault, wire)
        seed_nth = nth if cfg.vary_repeats else 0
        script = script_for(
            self.scenario,
            vendor,
            req.protocol,
            req.model,
            req.prompt,
            seed_nth,
            cfg.tokens,
            req.max_tokens,
            cfg.judge_noise,
            req.system,
            request.match_info["endpoint"],
        )
        sig = script.block
        if script.action == "block" and sig is not None and sig.example and not sig.finish_reason:
            # the vendor's own body; without a status it is an in-band envelope on HTTP 200
            return web.Response(
                status=sig.status or 200, text=sig.example, content_type="application/json"
            )
        error_event = None
        if script.action == "withdrawn" and sig is not None and not sig.finish_reason:
            error_event = sig.example or '{"error":{"message":"blocked"}}'
        finish = script.finish
        if sig is not None and sig.finish_reason:
            finish = sig.example or sig.finish_reason
        elif finish == "length":
            finish = {"anthropic_messages": "max_tokens", "gemini": "MAX_TOKENS"}.get(
                req.protocol, "length"
            )
        elif req.protocol != "openai_chat":
            finish = {"anthropic_messages": "end_turn", "gemini": "STOP"}[req.protocol]
        if cfg.ttft_ms:
            await asyncio.sleep(cfg.ttft_ms / 1000)
        if not req.stream:
            if cfg.token_ms:
                await asyncio.sleep(cfg.token_ms * len(script.tokens) / 1000)
            return web.json_response(wire.body(script, finish))
        resp = web.StreamResponse(
            headers={"content-type": wire.content_type, "cache-control": "no-cache"}
        )
        await resp.prepare(request)
        chunks = wire.chunks(script, finish, error_event)
        first = wire.first_token_index(script)
        if cfg.keepalive and req.protocol == "openai_chat":
            chunks.insert(0, b": keep-alive\n\n")
            first += 1
        await self._send(request, resp, chunks, fault, req.prompt, first)
        return resp

    def _first_token(self, prompt: str) -> None:
        with self.state.lock:
            self.state.first_token.setdefault(prompt, []).append(time.time())

    async def _send(
        self,
        request: web.Request,
        resp: web.StreamResponse,
        chunks: list[bytes],
        fault: Fault | None,
        prompt: str,
        first: int,
    ) -> None:
        if fault is not None and fault.kind in ("drop", "stall"):
            await resp.write(b"".join(chunks[: max(1, len(chunks) // 2)]))
            if fault.kind == "stall":
                await asyncio.sleep(fault.stall_s)
            if request.transport is not None:
                request.transport.close()
            return
        if not self.config.token_ms:
            self._first_token(prompt)
            await resp.write(b"".join(chunks))
        else:
            delay = self.config.token_ms / 1000
            for i, chunk in enumerate(chunks):
                if i > first:
                    await asyncio.sleep(delay)
                if i == first:
                    self._first_token(prompt)
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
        # a client that hangs up (Ctrl-C, a timeout) is routine for a test double, not an error
        # worth a traceback on the user's terminal
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
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
            pending = asyncio.all_tasks(loop)  # stalled answers and the like: end them quietly
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
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
