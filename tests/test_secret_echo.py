"""A server that echoes the request's credentials into every kind of error body (and into an
answer) leaves no key value in the results store, the reports, or any command's output.

The loopback server repeats the authorization, x-api-key and x-goog-api-key headers it was sent
in a 400 JSON body, a 401, a 500, a moderation block (the catalog's signature for DeepSeek), an
SSE `error` event after the first words of an answer, and an answer's text. One vendor goes
through a base URL with credentials (`http://user:pass@host`): its userinfo, and the basic auth
HTTP clients derive from it, must not be stored or printed either.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from harness.results.manifest import EndpointInfo
from harness.results.redact import MASK, Redactor, redactor, secret_values, strip_userinfo

from .conftest import bench

DEEPSEEK_KEY = "sk-secret-deepseek-4b1d9e77c0"
ANTHROPIC_KEY = "sk-ant-secret-2f8a61d5e3"
GEMINI_KEY = "AIza-secret-gemini-9c3e51f0"
PROXY_USER, PROXY_PASS = "proxyuser-7781", "proxy-pass-secret-0d4e"
BASIC = base64.b64encode(f"{PROXY_USER}:{PROXY_PASS}".encode()).decode()
SECRETS = (DEEPSEEK_KEY, ANTHROPIC_KEY, GEMINI_KEY, PROXY_USER, PROXY_PASS, BASIC)
KINDS = ("e400", "e401", "e500", "block", "sse", "text")


def _echo(request: web.Request) -> str:
    heard = {
        h: request.headers.get(h, "") for h in ("authorization", "x-api-key", "x-goog-api-key")
    }
    return f"you sent {json.dumps(heard)} to {request.url}"


def _prompt(body: dict) -> str:
    messages = body.get("messages") or body.get("contents") or []
    return json.dumps(messages)


def _chunk(obj: dict) -> bytes:
    return f"data: {json.dumps(obj)}\n\n".encode()


async def _sse(request: web.Request, echo: str, fail: bool) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await resp.prepare(request)
    delta = {"choices": [{"index": 0, "delta": {"content": f"Sure. {'' if fail else echo}"}}]}
    await resp.write(_chunk({"id": "r1", "model": "deepseek-chat", **delta}))
    if fail:  # an in-band error event mid-stream
        await resp.write(b"event: error\n" + _chunk({"error": {"message": echo, "type": "x"}}))
    else:
        done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        await resp.write(_chunk({"id": "r1", "model": "deepseek-chat", **done}))
        await resp.write(b"data: [DONE]\n\n")
    await resp.write_eof()
    return resp


async def _handle(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    prompt, echo = _prompt(body), _echo(request)
    if "chat/completions" not in request.path or "e400" in prompt:
        return web.json_response({"error": {"message": f"bad request: {echo}"}}, status=400)
    if "e401" in prompt or "single word" in prompt:  # (the provider check's prompt too)
        return web.json_response({"error": {"message": f"Incorrect API key: {echo}"}}, status=401)
    if "e500" in prompt:
        return web.Response(status=500, text=f"upstream failed; {echo}")
    if "block" in prompt:
        msg = f"Content Exists Risk ({echo})"
        return web.json_response({"error": {"message": msg, "type": "x"}}, status=400)
    return await _sse(request, echo, fail="sse" in prompt)


@pytest.fixture
def echo_server() -> Iterator[str]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", _handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        holder["port"] = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield f"127.0.0.1:{holder['port']}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _env(host: str) -> dict[str, str]:
    return {
        "DEEPSEEK_API_KEY": DEEPSEEK_KEY,
        "DEEPSEEK_BASE_URL": f"http://{host}/v/deepseek",
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "ANTHROPIC_BASE_URL": f"http://{PROXY_USER}:{PROXY_PASS}@{host}/anthropic",
        "GEMINI_API_KEY": GEMINI_KEY,
        "GEMINI_BASE_URL": f"http://{host}/gemini/v1beta",
    }


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_echoed_keys_are_stored_and_printed_nowhere(tmp_path: Path, echo_server: str) -> None:
    suite = tmp_path / "s.yaml"
    items = "\n".join(f'  - {{id: {k}, prompt: "please {k} now"}}' for k in KINDS)
    suite.write_text(f"name: echo\nitems:\n{items}\n")
    results, reports = tmp_path / "results", tmp_path / "reports"
    env = _env(echo_server)
    store = ("--results", str(results))
    models = ("-m", "deepseek:deepseek-chat", "-m", "anthropic:claude-haiku-4-5")
    procs = [
        bench("run", str(suite), *models, "-m", "gemini:gemini-2.5-flash", *store,
              "--run-id", "echo", "--max-attempts", "2", "--no-progress", env=env),
        bench("report", "echo", *store, "--out", str(reports), "--format", "md,html,json",
              env=env),
        bench("query", "select * from responses", *store, "--format", "json", env=env),
        bench("query", "select * from attempts", *store, "--format", "json", env=env),
        bench("providers", "--check", env=env),
    ]  # fmt: skip
    for proc in procs[:4]:
        assert proc.returncode == 0, proc.stderr
    assert procs[4].returncode == 1, procs[4].stdout  # every check fails: the server says 401
    for proc in procs:
        assert not _leaks(proc.stdout + proc.stderr), (proc.args, proc.stdout, proc.stderr)

    # the echoes did happen, and were recorded, masked
    responses = json.loads(procs[2].stdout)
    assert len(responses) == 3 * len(KINDS)
    for r in responses:  # every body and the answer held the echo, masked
        assert "you sent" in (r["error_body"] or r["text"]) and MASK in (
            r["error_body"] or r["text"]
        )
    outcomes = {(r["model"], r["case_id"]): r["outcome"] for r in responses}
    assert outcomes["deepseek:deepseek-chat", "block"] == "api_block"
    assert outcomes["deepseek:deepseek-chat", "text"] == "ok"
    assert "FAIL deepseek:deepseek-chat" in procs[4].stdout and MASK in procs[4].stdout
    manifest = json.loads((results / "echo" / "manifest.json").read_text())
    urls = {e["vendor"]: e["base_url"] for e in manifest["endpoints"]}
    assert urls["anthropic"] == f"http://{MASK}@{echo_server}/anthropic"

    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != suite]
    assert any(p.suffix == ".parquet" for p in files) and any(p.name == "report.md" for p in files)
    for path in files:
        data = path.read_bytes()
        assert not [s for s in SECRETS if s.encode() in data], path


def test_secret_values_and_short_values() -> None:
    env = {
        "DEEPSEEK_API_KEY": DEEPSEEK_KEY,
        "OPENAI_API_KEY": "sk-x",  # too short to mask without mangling text
        "OPENAI_BASE_URL": f"https://{PROXY_USER}:{PROXY_PASS}@proxy.example/v1",
        "PATH": "/usr/bin:/bin",
    }
    values = secret_values(env)
    assert DEEPSEEK_KEY in values and PROXY_PASS in values and BASIC in values
    assert "sk-x" not in values and "/usr/bin:/bin" not in values
    mask = Redactor(values)
    assert mask(f'key "{DEEPSEEK_KEY}" and {BASIC}') == f'key "{MASK}" and {MASK}'
    assert mask("sk-x stays") == "sk-x stays"
    assert not Redactor(()) and Redactor(())("as is") == "as is"
    assert redactor({})("plain") == "plain"


def test_base_url_credentials_never_reach_the_manifest() -> None:
    assert strip_userinfo("https://u:p@host:8443/v1?x=1") == f"https://{MASK}@host:8443/v1?x=1"
    assert strip_userinfo("https://host/v1") == "https://host/v1"
    info = EndpointInfo(
        ref="r", vendor="v", name="n", hq="US", endpoint="e", region="g", protocol="p",
        base_url=f"https://{PROXY_USER}:{PROXY_PASS}@proxy.example/v1", model="m",
    )  # fmt: skip
    assert PROXY_PASS not in info.model_dump_json() and PROXY_USER not in repr(info)
