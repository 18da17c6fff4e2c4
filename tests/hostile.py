"""A small hostile HTTP server on loopback, and the client that is measured against it.

The server is raw asyncio sockets (no framework tidying what it sends) on its own thread, like
the `replay` fixture. The first path segment picks the behaviour, so one server serves every
case: a model's base URL is `{url}/{case}/v1`. Endless behaviours stream until the client
disconnects, so a test ends when the client gives up, never after a sleep.

The client runs in a subprocess (`python -m tests.hostile <config>`) so its peak RSS is its
own: it sends calls through the real Caller (slots, retries, attempt rows) and prints what
happened as JSON, with `ru_maxrss` read in the child.
"""

from __future__ import annotations

import asyncio
import functools
import json
import socket
import struct
import sys
import threading
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

MiB = 1024 * 1024
Writer = asyncio.StreamWriter


def chunk_event(content: str) -> bytes:
    """One OpenAI-style streamed chunk carrying `content`, as the flood repeats it."""
    obj = {
        "id": "chatcmpl-hostile",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def _repeat(unit: bytes, size: int) -> bytes:
    return unit * max(1, size // len(unit))


TOKENS = _repeat(chunk_event("lorem "), 64 * 1024)
"""64 KiB of token-sized events: a realistic stream sent as fast as the socket takes it."""
FAT = _repeat(chunk_event("x" * 16 * 1024), 64 * 1024)
"""64 KiB of events carrying 16 KiB of text each: the flood whose text a parser keeps."""
DONE = b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'


@functools.cache
def gzip_bomb_parts() -> tuple[bytes, bytes]:
    """A gzip stream of endless SSE events: a first segment (with the gzip header), then a
    segment to repeat forever. Each segment ends in a full flush, so it references nothing
    before it and ~1 MiB of events costs ~1 KB on the wire."""
    block = _repeat(chunk_event("boom "), MiB)
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    return first, again


def _head(status: str, headers: dict[str, str] | None = None, chunked: bool = True) -> bytes:
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


SSE = {"Content-Type": "text/event-stream"}
JSON = {"Content-Type": "application/json"}


async def _endless(w: Writer, head: bytes, first: bytes, again: bytes) -> None:
    """The head, then `first`, then `again` forever (chunked): until the client hangs up."""
    w.write(head + _chunk(first))
    framed = _chunk(again)
    while True:
        await w.drain()
        w.write(framed)


async def flood(w: Writer, _: State) -> None:
    await _endless(w, _head("200 OK", SSE), TOKENS, TOKENS)


async def fat_flood(w: Writer, _: State) -> None:
    await _endless(w, _head("200 OK", SSE), FAT, FAT)


async def huge_body(w: Writer, _: State) -> None:
    """A JSON body that never ends: what a 1 GB body is, until the client stops reading."""
    await _endless(w, _head("200 OK", JSON), b'{"junk": "', b"a" * 64 * 1024)


async def huge_error(w: Writer, _: State) -> None:
    await _endless(w, _head("500 Internal Server Error", JSON), b'{"error": "', b"e" * 65536)


async def declared_huge(w: Writer, _: State) -> None:
    """A body that says it is 1 GB up front, then sends it."""
    head = _head("200 OK", {**JSON, "Content-Length": str(1024 * MiB)}, chunked=False)
    w.write(head)
    block = b"a" * 65536
    while True:
        await w.drain()
        w.write(block)


async def gzip_bomb(w: Writer, _: State) -> None:
    first, again = gzip_bomb_parts()
    await _endless(w, _head("200 OK", {**SSE, "Content-Encoding": "gzip"}), first, again)


async def tiny_flood(w: Writer, _: State) -> None:
    """Events as small as they come: many events long before many bytes."""
    await _endless(w, _head("200 OK", SSE), b"data: {}\n\n" * 6000, b"data: {}\n\n" * 6000)


async def endless_line(w: Writer, _: State) -> None:
    await _endless(w, _head("200 OK", SSE), b'data: {"choices": "', b"a" * 65536)


async def drip(w: Writer, _: State) -> None:
    """A stream that sends one byte every 50 ms and never a line break (a slowloris)."""
    w.write(_head("200 OK", SSE) + _chunk(b"data: "))
    while True:
        await w.drain()
        await asyncio.sleep(0.05)
        w.write(_chunk(b"a"))


async def reset(w: Writer, _: State) -> None:
    """Two events, then a TCP reset (SO_LINGER 0) in the middle of the stream."""
    w.write(_head("200 OK", SSE) + _chunk(chunk_event("half ") * 2))
    await w.drain()
    sock = w.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()


async def bad_utf8(w: Writer, _: State) -> None:
    """A complete answer whose text holds bytes that are not UTF-8."""
    event = chunk_event("caf\udcff").replace(b"\\udcff", b"\xff\xfe\xc3\x28")
    body = b": \xff\xfe keep-alive\n\n" + event + DONE
    w.write(_head("200 OK", SSE) + _chunk(body) + b"0\r\n\r\n")


async def html(w: Writer, _: State) -> None:
    page = b"<!doctype html><html><body><h1>Welcome to the hotel wifi</h1></body></html>"
    w.write(_head("200 OK", {"Content-Type": "text/html; charset=utf-8"}) + _chunk(page))
    w.write(b"0\r\n\r\n")


async def retry_after(w: Writer, _: State) -> None:
    body = b'{"error": {"message": "slow down", "type": "rate_limit"}}'
    headers = {**JSON, "Retry-After": "999999", "Content-Length": str(len(body))}
    w.write(_head("429 Too Many Requests", headers, chunked=False) + body)


async def huge_headers(w: Writer, _: State) -> None:
    """Header lines that never end: the body is never reached."""
    w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n")
    line = b"X-Junk: " + b"h" * 8000 + b"\r\n"
    while True:
        await w.drain()
        w.write(line)


async def big_headers(w: Writer, _: State) -> None:
    """80 KB of headers: under the transport's 100 KiB, over bench's 64 KiB default."""
    headers = {**SSE, **{f"X-Junk-{i}": "h" * 8000 for i in range(10)}}
    w.write(_head("200 OK", headers) + _chunk(chunk_event("hi") + DONE) + b"0\r\n\r\n")


async def redirect(w: Writer, state: State) -> None:
    headers = {"Location": state.redirect_to, "Content-Length": "0"}
    w.write(_head("302 Found", headers, chunked=False))


async def ok(w: Writer, _: State) -> None:
    w.write(_head("200 OK", SSE) + _chunk(chunk_event("fine") + DONE) + b"0\r\n\r\n")


BEHAVIOURS: dict[str, Callable[[Writer, State], Awaitable[None]]] = {
    f.__name__: f
    for f in (
        flood,
        fat_flood,
        huge_body,
        huge_error,
        declared_huge,
        gzip_bomb,
        tiny_flood,
        endless_line,
        drip,
        reset,
        bad_utf8,
        html,
        retry_after,
        huge_headers,
        big_headers,
        redirect,
        ok,
    )
}


@dataclass
class State:
    """What the server saw; `redirect_to` is where the `redirect` case sends clients."""

    url: str = ""
    redirect_to: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)


async def _request(r: asyncio.StreamReader) -> tuple[str, dict[str, str]]:
    head = await r.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    await r.readexactly(int(headers.get("content-length", "0")))
    return path, headers


class HostileServer:
    """The server on its own thread and event loop; `with HostileServer() as s: s.url`."""

    def __init__(self) -> None:
        self.state = State()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    async def _handle(self, r: asyncio.StreamReader, w: Writer) -> None:
        try:
            path, headers = await _request(r)
            self.state.requests.append({"path": path, "headers": headers})
            await BEHAVIOURS[path.split("/")[1]](w, self.state)
            await w.drain()
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            w.close()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, limit=256 * 1024)
        )
        self.state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        self._ready.set()
        self._loop.run_forever()
        server.close()

    def __enter__(self) -> HostileServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return self.state.url

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.state.requests


# ------------------------------------------------------------------ the measured client


class _Journal:
    """Collects the journal records the Caller writes (attempt rows included)."""

    def __init__(self) -> None:
        self.records: list[Any] = []

    def write(self, record: Any) -> None:
        self.records.append(record)

    async def sync(self) -> None:
        return None


def _summary(called: Any) -> dict[str, Any]:
    from providers.base import Answer

    res = called.result
    out: dict[str, Any] = {"attempts": len(called.attempts)}
    if isinstance(res, Answer):
        out.update(kind="answer", outcome=res.outcome, text=res.text[:200])
    else:
        out.update(kind=res.kind, message=res.message, body_len=len(res.body or ""))
    return out


async def _run(cfg: dict[str, Any]) -> dict[str, Any]:
    import resource

    from harness.calls.caller import Call, Caller
    from harness.calls.guard import ReadLimits
    from harness.calls.http import Timeouts
    from harness.calls.limits import Limits
    from harness.calls.retry import RetryPolicy
    from harness.pricing.fx import FxRate
    from providers import resolve
    from providers.base import Params

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    env = {"OPENAI_API_KEY": "sk-hostile-secret", "OPENAI_BASE_URL": cfg["base_url"]}
    target = resolve("openai:gpt-4o", env=env)
    n = cfg.get("n", 1)
    timeouts = Timeouts(
        read_s=cfg.get("read_s", 5),
        deadline_s=cfg.get("deadline_s", 15),
        limits=ReadLimits(**cfg.get("limits", {})),
    )
    journal = _Journal()
    async with Caller(
        fx=FxRate(7.25, "test"),
        limits=Limits(concurrency=n, endpoint_concurrency=n, rpm=10**6, tpm=10**9),
        timeouts=timeouts,
        policy=RetryPolicy(max_attempts=cfg.get("max_attempts", 1), base_s=0.01, cap_s=0.02),
        journal=journal,
    ) as caller:
        params = Params(stream=cfg.get("stream", True), max_tokens=100)
        calls = [
            Call(target, [{"role": "user", "content": f"q{i}"}], params, f"j{i}") for i in range(n)
        ]
        done = await asyncio.gather(*(caller.call(c) for c in calls))
    rows = [
        {
            "kind": a.kind,
            "status": a.status,
            "retry_after_s": a.retry_after_s,
            "message": a.message,
            "e2e_s": a.e2e_s,
        }
        for rec in journal.records
        for a in rec.attempts
    ]
    return {"calls": [_summary(c) for c in done], "attempt_rows": rows, "base_rss_mb": base_rss}


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: a child started by vfork/exec inherits
    in ru_maxrss the parent's RSS at the exec (the pytest process, with its server thread)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    cfg = json.loads(sys.argv[1])
    out = asyncio.run(_run(cfg))
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
