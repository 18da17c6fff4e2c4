"""All HTTP lives here (the only httpx import): client pools and one timed attempt.

One `AsyncClient` carrying hundreds of connections is several times slower than a few small
ones (httpcore's pool bookkeeping grows with requests × connections; see
shared/research/performance.md), so high concurrency is spread over clients of at most
`PER_CLIENT` connections (8 measured best here: 16 cost 28% more wall time at
concurrency 100), each concurrency slot keeping its own client.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from providers.base import TEXT, Adapter, Answer, Failure, Target, WireRequest
from providers.sse import SSEDecoder

PER_CLIENT = 8


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect_s: float = 15.0
    read_s: float = 120.0
    """Longest silence between two reads; a stalled connection fails after it."""
    deadline_s: float = 600.0
    """Absolute cap on one attempt, so keep-alive comments cannot hold it open forever."""


class ClientPool:
    """Clients for `slots` concurrent requests; slot i always uses the same client."""

    def __init__(self, slots: int, timeouts: Timeouts) -> None:
        n = max(1, -(-slots // PER_CLIENT))
        timeout = httpx.Timeout(
            connect=timeouts.connect_s, read=timeouts.read_s, write=timeouts.read_s, pool=None
        )
        limits = httpx.Limits(max_connections=PER_CLIENT, max_keepalive_connections=PER_CLIENT)
        tls = httpx.create_ssl_context()  # one certificate load, not one per client
        self._clients = [
            httpx.AsyncClient(timeout=timeout, limits=limits, verify=tls) for _ in range(n)
        ]
        self.timeouts = timeouts

    def client(self, slot: int) -> httpx.AsyncClient:
        return self._clients[(slot // PER_CLIENT) % len(self._clients)]

    async def aclose(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self._clients))


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


async def _read(
    resp: httpx.Response,
    adapter: Adapter,
    target: Target,
    wire: WireRequest,
    marks: list[int | None],
) -> Answer | Failure:
    parser = adapter.parser(target)
    if wire.stream and "event-stream" in resp.headers.get("content-type", ""):
        decoder = SSEDecoder()
        feed, line_in = parser.feed, decoder.line
        pending = b""
        # bytes split on b"\n" here: cheaper than httpx's text and line decoders per event
        async for chunk in resp.aiter_bytes():
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for raw in lines:
                event = line_in(raw.rstrip(b"\r").decode("utf-8", "replace"))
                if event is None:
                    continue
                kind = feed(*event)
                if kind and marks[1] is None:
                    now = time.perf_counter_ns()
                    if marks[0] is None:
                        marks[0] = now
                    if kind == TEXT:
                        marks[1] = now
        if pending:
            event = line_in(pending.rstrip(b"\r").decode("utf-8", "replace"))
            if event is not None:
                feed(*event)
        tail = decoder.flush()
        if tail is not None:
            feed(*tail)
    else:
        parser.feed_body(await resp.aread())
    return parser.finish()


async def attempt(
    client: httpx.AsyncClient,
    adapter: Adapter,
    target: Target,
    wire: WireRequest,
    deadline_s: float,
) -> Attempt:
    """Send one request and time it; transport errors come back as typed failures."""
    started_at = time.time()
    t0 = time.perf_counter_ns()
    marks: list[int | None] = [None, None]
    status: int | None = None
    result: Answer | Failure
    try:
        async with asyncio.timeout(deadline_s):
            async with client.stream(
                wire.method, wire.url, headers=wire.headers, json=wire.json
            ) as resp:
                status = resp.status_code
                if status >= 300:
                    body = await resp.aread()
                    result = adapter.classify(target, status, body, dict(resp.headers))
                else:
                    result = await _read(resp, adapter, target, wire, marks)
    except TimeoutError:
        result = Failure("timeout", f"no complete answer within the {deadline_s:g}s deadline")
    except httpx.TimeoutException as exc:
        result = Failure("timeout", f"{type(exc).__name__}: no data within the read timeout")
    except httpx.ConnectError as exc:
        result = Failure("connect", f"cannot connect to {target.vendor.id}: {type(exc).__name__}")
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        result = Failure("dropped", f"connection dropped: {type(exc).__name__}")
    except httpx.HTTPError as exc:
        result = Failure("connect", f"HTTP error: {type(exc).__name__}")
    end = time.perf_counter_ns()
    if isinstance(result, Answer) and status is not None:
        result.http_status = status
    ttft, ttfat = (None if m is None else (m - t0) / 1e9 for m in marks)
    return Attempt(result, started_at, (end - t0) / 1e9, ttft, ttfat, status)


__all__ = ["PER_CLIENT", "Attempt", "ClientPool", "Timeouts", "attempt"]
