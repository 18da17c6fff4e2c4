"""How much one response may make us read, enforced while reading, never after.

A vendor, a proxy in front of it or a hostile server can send an endless stream, a gigabyte
body, a gzip bomb or one line without end. Each was measured taking 2-3 GB of memory before
these limits; now every byte is counted as it arrives and a breach ends the attempt as a
classified `Failure` carrying at most `EXCERPT` bytes of what was received. Checks are integer
comparisons per chunk read (at most 64 KiB), never per byte, so the streaming hot path keeps its
speed. Content decoding is done here too, in pieces of at most `PIECE` bytes, so the decoded
size is counted before it is held.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from dataclasses import dataclass

import httpx

from providers.base import Failure, FailureKind

KiB = 1024
MiB = 1024 * KiB
EXCERPT = 2 * KiB
"""Most bytes of an offending response kept in a failure's body (the message gets 200)."""
PIECE = 64 * KiB
"""Largest piece a compressed body is inflated in: what one socket read delivers."""
ACCEPT_ENCODING = "gzip, deflate"
"""Only what this module can inflate in bounded pieces is offered to servers."""


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Caps on one response. The defaults fit what bench's suites ask for with wide room;
    very long streamed outputs (over ~13k tokens) need larger response and decoded caps."""

    response_bytes: int = 4 * MiB
    """Bytes read off the socket (compressed, as sent). The most verbose stream (OpenAI-style
    chunks, ~310 bytes per token) fits ~13k tokens in 4 MiB, 25 times the shipped suites'
    max_tokens of 512; a JSON body (~5 bytes per token) fits far more than any model writes."""
    decompressed_bytes: int = 4 * MiB
    """Bytes after content decoding: what a gzip bomb inflates to. A whole body is held up to
    this; a stream is parsed as it comes, but its parser may keep up to this much text, so what
    a hostile server can cost is about this times the requests in flight (50 → ~200 MB)."""
    error_bytes: int = 64 * KiB
    """Prefix of a non-2xx (or non-API) body read for classification and storage; the rest is
    never read (the connection is closed instead of drained)."""
    line_bytes: int = 1 * MiB
    """Longest SSE line; real events are a few KB. Checked per chunk, so a line fails once its
    unfinished part passes this, holding at most this plus one chunk."""
    sse_events: int = 50_000
    """Events in one stream. A real answer sends one per token or fewer (4 MiB of the most
    verbose events is ~13k); a flood of tiny events costs parser time and a kept string each
    long before it costs 4 MiB."""
    header_bytes: int = 64 * KiB
    """Names and values of all response headers. The transport refuses a header block of more
    than 128 lines or a line over 16 KiB before this is checked (transport.py)."""


READ_LIMITS = ReadLimits()
"""The limits an attempt uses when neither it nor its client is given others."""


class Breach(Exception):
    """A limit was passed, or the body could not be decoded, while reading a response."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def breach(kind: FailureKind, message: str, excerpt: bytes = b"") -> Breach:
    """The failure for a breach, with a bounded excerpt of what arrived (never the bulk)."""
    body = excerpt[:EXCERPT].decode("utf-8", "replace") if excerpt else None
    return Breach(Failure(kind, message[:300], body=body))


def too_large(what: str, limit: int, excerpt: bytes = b"") -> Breach:
    return breach("too_large", f"response {what} passed the limit of {limit} bytes", excerpt)


def check_headers(resp: httpx.Response, limits: ReadLimits) -> None:
    """Refuse a header block over `header_bytes` before any of the body is read."""
    size = sum(len(k) + len(v) for k, v in resp.headers.raw)
    if size > limits.header_bytes:
        raise too_large("headers", limits.header_bytes)
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.response_bytes and resp.status_code < 300:
        raise too_large("Content-Length", limits.response_bytes)


class _Inflate:
    """zlib inflation in bounded pieces: a 64 KiB gzip chunk can inflate to 64 MB at once."""

    __slots__ = ("_d", "_raw_fallback", "_started")

    def __init__(self, encoding: str) -> None:
        gzip = encoding in ("gzip", "x-gzip")
        self._d = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        self._raw_fallback = not gzip  # `deflate` is sent both zlib-wrapped and raw
        self._started = False

    def pieces(self, data: bytes) -> Iterator[bytes]:
        d = self._d
        try:
            out = d.decompress(data, PIECE)
        except zlib.error:
            if self._started or not self._raw_fallback:
                raise
            d = self._d = zlib.decompressobj(-zlib.MAX_WBITS)
            out = d.decompress(data, PIECE)
        self._started = True
        while True:
            if out:
                yield out
            if not d.unconsumed_tail:
                return
            out = d.decompress(d.unconsumed_tail, PIECE)

    def flush(self) -> bytes:
        return self._d.flush()


def _inflater(resp: httpx.Response) -> _Inflate | None:
    encodings = [
        e.strip().lower() for e in resp.headers.get("content-encoding", "").split(",") if e.strip()
    ]
    encodings = [e for e in encodings if e != "identity"]
    if not encodings:
        return None
    if len(encodings) == 1 and encodings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflate(encodings[0])
    raise breach("protocol", f"unsupported content-encoding {','.join(encodings)[:100]!r}")


class Reader:
    """The body of one response as decoded pieces, counted against the limits as they arrive.

    `cap` is the most decoded bytes allowed (`decompressed_bytes` for an answer); `head` keeps
    the first bytes for the excerpt a failure carries.
    """

    __slots__ = ("_cap", "_limits", "_resp", "decoded", "head", "raw")

    def __init__(self, resp: httpx.Response, limits: ReadLimits, cap: int | None = None) -> None:
        self._resp, self._limits = resp, limits
        self._cap = limits.decompressed_bytes if cap is None else cap
        self.raw = self.decoded = 0
        self.head = b""

    async def pieces(self) -> AsyncIterator[bytes]:
        """Decoded pieces of at most 64 KiB; raises `Breach` the moment a limit is passed."""
        inflate = _inflater(self._resp)
        raw_cap, cap = self._limits.response_bytes, self._cap
        stream = self._resp.stream  # (as `aiter_raw` reads it, without its per-chunk layer)
        if not isinstance(stream, httpx.AsyncByteStream):
            raise TypeError("an async response is expected")
        async for chunk in stream:
            self.raw += len(chunk)
            if self.raw > raw_cap:
                raise too_large("body", raw_cap, self.head)
            if inflate is None:
                self.decoded = self.raw
                if not self.head:
                    self.head = chunk[:EXCERPT]
                yield chunk
                continue
            for piece in self._inflated(inflate, chunk):
                self.decoded += len(piece)
                if self.decoded > cap:
                    raise too_large("decompressed body", cap, self.head)
                yield piece
        if inflate is not None:
            rest = inflate.flush()
            self.decoded += len(rest)
            if self.decoded > cap:
                raise too_large("decompressed body", cap, self.head)
            if rest:
                yield rest

    def _inflated(self, inflate: _Inflate, chunk: bytes) -> Iterator[bytes]:
        try:
            for piece in inflate.pieces(chunk):
                if not self.head:
                    self.head = piece[:EXCERPT]
                yield piece
        except zlib.error as exc:
            raise breach("protocol", f"undecodable compressed body: {exc}", self.head) from None

    async def prefix(self, n: int) -> bytes:
        """At most the first `n` decoded bytes; the rest is left unread. A body that cannot be
        decoded gives what was decoded so far: an error status still says what happened."""
        parts: list[bytes] = []
        got = 0
        try:
            async with aclosing(self.pieces()) as pieces:
                async for piece in pieces:
                    parts.append(piece)
                    got += len(piece)
                    if got >= n:
                        break
        except Breach:
            pass
        return b"".join(parts)[:n]

    async def whole(self) -> bytes:
        """The whole decoded body, refused past the cap while it is read."""
        return b"".join([piece async for piece in self.pieces()])


__all__ = [
    "ACCEPT_ENCODING",
    "READ_LIMITS",
    "Breach",
    "ReadLimits",
    "Reader",
    "breach",
    "check_headers",
    "too_large",
]
