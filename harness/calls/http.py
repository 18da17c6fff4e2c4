"""All HTTP lives here: client pools and one timed attempt (the wire under httpx is aiohttp's,
see transport.py).

High concurrency is spread over clients of at most `PER_CLIENT` connections, each concurrency
slot keeping its own client: over httpcore, one `AsyncClient` carrying hundreds of connections
was several times slower than a few small ones (its pool bookkeeping grows with requests ×
connections; see shared/research/performance.md). Over the aiohttp transport 8 and 200
connections per client cost the same CPU at concurrency 200, so the layout stayed. Clients
are made on first use, so a pool is cheap whatever its slot count.

What a response may make us read is capped while it is read (`guard.ReadLimits`): an endless
stream, a huge or compressed-bomb body, an endless line or header block ends the attempt as a
`too_large` failure with memory flat. Redirects are never followed: a request carries an API
key, and a 3xx could send it to another origin, so a 3xx is a `protocol` failure.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
import time
from contextlib import aclosing
from dataclasses import dataclass

import httpx
import orjson

from harness.calls.guard import (
    ACCEPT_ENCODING,
    EXCERPT,
    READ_LIMITS,
    Breach,
    Reader,
    ReadLimits,
    breach,
    check_headers,
    too_large,
)
from harness.calls.transport import HEADER_LIMIT, AiohttpTransport
from providers.base import TEXT, Adapter, Answer, Failure, Parser, Target, WireRequest
from providers.sse import SSEDecoder

PER_CLIENT = 8


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect_s: float = 15.0
    read_s: float = 120.0
    """Longest silence between two reads; a stalled connection fails after it."""
    deadline_s: float = 600.0
    """Absolute cap on one attempt, so keep-alive comments cannot hold it open forever."""
    limits: ReadLimits = READ_LIMITS
    """Caps on what one response may make us read. Carried with the timeouts because whoever
    builds a pool (the Caller) passes these; the pool's clients then carry the limits."""


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing. Each request stands alone: a vendor's cookie (a session or a
    load balancer's) must not steer the requests after it, and reading every response's
    Set-Cookie through urllib's cookie machinery cost ~5% of a streamed request's CPU."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


_NO_COOKIES = _NoCookies()


class _Client(httpx.AsyncClient):
    """An httpx client that knows the read limits of the pool that made it, so `attempt`
    applies a run's limits without every caller passing them along; it keeps no cookies."""

    read_limits: ReadLimits = READ_LIMITS

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, value: object) -> None:
        pass


@functools.lru_cache(maxsize=256)
def _url(url: str) -> httpx.URL:
    """A request URL parsed once: a run sends thousands of requests to a handful of URLs."""
    return httpx.URL(url)


def _body(wire: WireRequest) -> bytes | None:
    """The JSON body, encoded by orjson (compact UTF-8, as httpx's `json=` writes it)."""
    if wire.json is None:
        return None
    try:
        return orjson.dumps(wire.json)
    except TypeError:  # (an integer past 64 bits in a user's extra params)
        return json.dumps(wire.json, ensure_ascii=False, separators=(",", ":")).encode()


class ClientPool:
    """Clients for `slots` concurrent requests; slot i always uses the same client.

    A client is made the first time one of its slots is used, never up front: a huge slot
    count (`--concurrency 99999999`) used to build a client per 8 slots before any request.
    """

    def __init__(self, slots: int, timeouts: Timeouts, limits: ReadLimits | None = None) -> None:
        self._n = max(1, -(-slots // PER_CLIENT))
        self._timeout = httpx.Timeout(
            connect=timeouts.connect_s, read=timeouts.read_s, write=timeouts.read_s, pool=None
        )
        self._limits = httpx.Limits(
            max_connections=PER_CLIENT, max_keepalive_connections=PER_CLIENT
        )
        self._tls: ssl.SSLContext | None = None
        self._clients: dict[int, _Client] = {}
        self.timeouts = timeouts
        self.read_limits = limits or timeouts.limits

    def client(self, slot: int) -> httpx.AsyncClient:
        index = (slot // PER_CLIENT) % self._n
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._make()
        return client

    @property
    def made(self) -> int:
        """Clients made so far."""
        return len(self._clients)

    def _make(self) -> _Client:
        if self._tls is None:
            self._tls = httpx.create_ssl_context()  # one certificate load, not one per client
        client = _Client(
            timeout=self._timeout,
            transport=AiohttpTransport(PER_CLIENT, self._tls),
            limits=self._limits,  # (what a proxy from the environment is given)
            verify=self._tls,
            follow_redirects=False,
            headers={"accept-encoding": ACCEPT_ENCODING},
        )
        client.read_limits = self.read_limits
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        await asyncio.gather(*(c.aclose() for c in clients))


@dataclass(slots=True)
class Attempt:
    """One HTTP attempt: its result and the clock readings around it."""

    result: Answer | Failure
    started_at: float
    """Wall-clock start, seconds since the epoch."""
    e2e_s: float
    ttft_s: float | None = None
    """First token of any kind (reasoning or answer)."""
    ttfat_s: float | None = None
    """First answer token."""
    status: int | None = None
    suspect: bool = False
    """Our own event loop lagged during this attempt (set by the scheduler)."""


async def _stream(
    reader: Reader, parser: Parser, marks: list[int | None], limits: ReadLimits
) -> None:
    """SSE events to the parser as they arrive, stamping the first token of each kind.

    Bytes are split on b"\\n" here: cheaper than httpx's text and line decoders per event. An
    unfinished line is kept as its pieces and joined once when it ends, so a line spread over
    many chunks costs linear time (concatenating per chunk was quadratic) and is refused as
    soon as it passes `line_bytes`. Limits are compared once per chunk, never per byte.
    """
    decoder = SSEDecoder()
    feed, line_in = parser.feed, decoder.line
    line_cap, event_cap = limits.line_bytes, limits.sse_events
    partial: list[bytes] = []
    held = events = 0
    async with aclosing(reader.pieces()) as pieces:
        async for chunk in pieces:
            lines = chunk.split(b"\n")
            if len(lines) == 1:
                partial.append(chunk)
                held += len(chunk)
                if held > line_cap:
                    raise too_large("SSE line", line_cap, partial[0])
                continue
            if partial:
                if held + len(lines[0]) > line_cap:
                    raise too_large("SSE line", line_cap, partial[0])
                partial.append(lines[0])
                lines[0] = b"".join(partial)
            last = lines.pop()
            partial = [last] if last else []
            held = len(last)
            for raw in lines:
                event = line_in(raw.rstrip(b"\r").decode("utf-8", "replace"))
                if event is None:
                    continue
                events += 1
                kind = feed(*event)
                if kind and marks[1] is None:
                    now = time.perf_counter_ns()
                    if marks[0] is None:
                        marks[0] = now
                    if kind == TEXT:
                        marks[1] = now
            if events > event_cap:
                raise breach(
                    "too_large", f"stream passed the limit of {event_cap} SSE events", reader.head
                )
            if held > line_cap:
                raise too_large("SSE line", line_cap, last)
    if partial:
        event = line_in(b"".join(partial).rstrip(b"\r").decode("utf-8", "replace"))
        if event is not None:
            feed(*event)
    tail = decoder.flush()
    if tail is not None:
        feed(*tail)


def _redirect(resp: httpx.Response) -> Failure:
    """A 3xx is never followed: the request carries an API key, and the new location may be
    another origin. A base URL that moved is for the user to correct."""
    where = ""
    try:
        url = resp.url.join(resp.headers.get("location", ""))
        where = f" to {url.scheme}://{url.netloc.decode('ascii', 'replace')}"
    except (httpx.InvalidURL, UnicodeError):
        pass
    status = resp.status_code
    message = f"HTTP {status}: redirect{where} not followed (is the base URL right?)"
    return Failure("protocol", message[:300], status=status)


async def _respond(
    resp: httpx.Response,
    adapter: Adapter,
    target: Target,
    wire: WireRequest,
    marks: list[int | None],
    limits: ReadLimits,
) -> Answer | Failure:
    """What one response amounts to, reading no more of it than that needs: an error status
    is classified from a bounded prefix of its body, the rest never read."""
    check_headers(resp, limits)
    status = resp.status_code
    if 300 <= status < 400:
        return _redirect(resp)
    reader = Reader(resp, limits)
    if status >= 400:
        body = await reader.prefix(limits.error_bytes)
        return adapter.classify(target, status, body, dict(resp.headers))
    ctype = resp.headers.get("content-type", "")
    if ctype[:9].lower() == "text/html":  # a proxy's, portal's or firewall's page
        head = await reader.prefix(EXCERPT)
        raise breach("protocol", f"HTTP {status} sent an HTML page, not an API response", head)
    parser = adapter.parser(target)
    if wire.stream and "event-stream" in ctype:
        await _stream(reader, parser, marks, limits)
    else:
        parser.feed_body(await reader.whole())
    return parser.finish()


def _header_overflow(exc: BaseException) -> bool:
    """The transport's parser refused a header block (or chunk header): hint 431 in the
    chain (h11's mark, which the aiohttp transport sets too)."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "error_status_hint", None) == 431:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def attempt(
    client: httpx.AsyncClient,
    adapter: Adapter,
    target: Target,
    wire: WireRequest,
    deadline_s: float,
    limits: ReadLimits | None = None,
) -> Attempt:
    """Send one request and time it; transport errors and breached read limits come back as
    typed failures. `limits` defaults to the client's (a pool's) or `READ_LIMITS`."""
    lim = limits or getattr(client, "read_limits", READ_LIMITS)
    started_at = time.time()
    t0 = time.perf_counter_ns()
    marks: list[int | None] = [None, None]
    status: int | None = None
    result: Answer | Failure
    try:
        async with asyncio.timeout(deadline_s):
            async with client.stream(
                wire.method,
                _url(wire.url),
                headers=wire.headers,
                content=_body(wire),
                follow_redirects=False,
            ) as resp:
                status = resp.status_code
                result = await _respond(resp, adapter, target, wire, marks, lim)
    except Breach as exc:
        result = exc.failure
        result.status = status
    except TimeoutError:
        result = Failure("timeout", f"no complete answer within the {deadline_s:g}s deadline")
    except httpx.TimeoutException as exc:
        result = Failure("timeout", f"{type(exc).__name__}: no data within the read timeout")
    except httpx.ConnectError as exc:
        result = Failure("connect", f"cannot connect to {target.vendor.id}: {type(exc).__name__}")
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        result = (
            Failure("too_large", f"response headers passed the transport's limit ({HEADER_LIMIT})")
            if _header_overflow(exc)
            else Failure("dropped", f"connection dropped: {type(exc).__name__}")
        )
    except httpx.HTTPError as exc:
        result = Failure("connect", f"HTTP error: {type(exc).__name__}")
    end = time.perf_counter_ns()
    if isinstance(result, Answer) and status is not None:
        result.http_status = status
    ttft, ttfat = (None if m is None else (m - t0) / 1e9 for m in marks)
    return Attempt(result, started_at, (end - t0) / 1e9, ttft, ttfat, status)


__all__ = ["PER_CLIENT", "Attempt", "ClientPool", "ReadLimits", "Timeouts", "attempt"]
