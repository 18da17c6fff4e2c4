"""httpx's API over aiohttp's connection pool and C HTTP parser.

httpcore and h11 parse every streamed chunk in Python: at 200 concurrent streams they were
half of a run's CPU (benchmarks/throughput.py, py-spy). This transport keeps httpx's client,
requests and responses (timeouts, headers, the read limits in guard.py all read them as
before) and hands the wire to aiohttp. Bodies arrive as sent (`auto_decompress=False`), so
guard.py still counts and inflates every byte itself.

aiohttp's errors are raised as the httpx errors that mean the same thing, so `http.attempt`
classifies failures one way whatever the transport: a connect failure, a read timeout, a
connection dropped mid-answer, a header block the parser refused (marked like h11's 431).
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx
from yarl import URL

HEADER_FIELD_BYTES = 16 * 1024
"""Longest header line aiohttp's parser takes (twice its default: real APIs stay far under)."""
MAX_HEADERS = 128
"""Header lines it takes before refusing the response: with the line cap, an endless header
block costs at most ~2 MiB before it fails. guard.py's `header_bytes` is what bounds the
block bench accepts."""
HEADER_LIMIT = f"{MAX_HEADERS} lines of at most {HEADER_FIELD_BYTES // 1024} KiB"


class HeaderOverflow(httpx.RemoteProtocolError):
    """The parser refused the response's header block; `attempt` makes it `too_large`."""

    error_status_hint = 431


@contextmanager
def _mapped() -> Iterator[None]:
    """aiohttp's errors as httpx's. Order matters: the timeouts are also `TimeoutError`s,
    which `attempt` would read as its own deadline."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc)) from exc
    except aiohttp.ServerTimeoutError as exc:
        raise httpx.ReadTimeout(str(exc)) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(str(exc)) from exc
    except aiohttp.ClientResponseError as exc:
        raise HeaderOverflow(f"response refused by the parser: {exc.message}") from exc
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
        raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__) from exc


def _wire_url(url: httpx.URL) -> URL:
    """What goes on the wire: never the URL's userinfo (httpx has made it an Authorization
    header already, as it does for its own transport)."""
    wire = URL(str(url), encoded=True)
    return wire.with_user(None) if wire.user is not None or wire.password is not None else wire


class _Body(httpx.AsyncByteStream):
    """A response body as the bytes arrive; closing it before the end closes the connection
    (aiohttp never drains an unfinished body into a pooled connection)."""

    __slots__ = ("_resp",)

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._resp.content
        with _mapped():
            while chunk := await content.readany():
                yield chunk

    async def aclose(self) -> None:
        self._resp.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session of at most `connections` connections, made on the first request
    (a session needs the running loop)."""

    def __init__(self, connections: int, tls: ssl.SSLContext, keepalive_s: float = 5.0) -> None:
        self._connections, self._tls, self._keepalive = connections, tls, keepalive_s
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._connections, ssl=self._tls, keepalive_timeout=self._keepalive
        )
        return aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),  # (each request stands alone, see http.py)
            max_line_size=HEADER_FIELD_BYTES,
            max_field_size=HEADER_FIELD_BYTES,
            max_headers=MAX_HEADERS,
            skip_auto_headers=("User-Agent",),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session
        if session is None:
            session = self._session = self._open()
        timeout = request.extensions.get("timeout", {})
        limits = aiohttp.ClientTimeout(
            sock_connect=timeout.get("connect"), sock_read=timeout.get("read")
        )
        with _mapped():
            resp = await session.request(
                request.method,
                _wire_url(request.url),
                headers=request.headers.multi_items(),
                data=await request.aread() or None,
                allow_redirects=False,
                timeout=limits,
            )
        return httpx.Response(
            resp.status,
            headers=resp.raw_headers,
            stream=_Body(resp),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


__all__ = ["HEADER_LIMIT", "AiohttpTransport", "HeaderOverflow"]
