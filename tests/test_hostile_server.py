"""bench against servers that misbehave on purpose: endless streams, huge or compressed-bomb
bodies, endless lines and headers, resets, bad bytes, HTML, absurd Retry-After, redirects.

The client runs as its own process through the real Caller (tests/hostile.py) and reports its
peak RSS, so each test asserts the outcome, the attempt rows and that memory stayed bounded
while the server sent far more than it. Endless cases stream until the client hangs up: no
test waits on a sleep.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from harness.calls.guard import READ_LIMITS
from harness.calls.http import ClientPool, Timeouts
from providers.status import MAX_RETRY_AFTER_S

from .conftest import ROOT
from .hostile import HostileServer, MiB, gzip_bomb_parts

ONE = 120
"""MB one request may peak at: the interpreter and bench's imports (~45) plus one capped
response (4 MiB) with ample slack, while the server sends gigabytes."""
CAP = READ_LIMITS.decompressed_bytes


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as s:
        yield s


def client(server: HostileServer, case: str, **cfg: Any) -> dict[str, Any]:
    """Run the measured client process against one behaviour; its JSON report."""
    cfg = {"base_url": f"{server.url}/{case}/v1", **cfg}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.hostile", json.dumps(cfg)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def only(report: dict[str, Any]) -> dict[str, Any]:
    (call,) = report["calls"]
    return call


def assert_too_large(report: dict[str, Any], what: str, peak_mb: float = ONE) -> None:
    """Every call failed `too_large` naming `what`, once (never retried), excerpt bounded."""
    for call in report["calls"]:
        assert call["kind"] == "too_large", call
        assert what in call["message"] and call["attempts"] == 1
        assert call["body_len"] <= 2048
    assert {r["kind"] for r in report["attempt_rows"]} == {"too_large"}
    assert len(report["attempt_rows"]) == len(report["calls"])
    assert report["peak_rss_mb"] < peak_mb, report["peak_rss_mb"]


def test_endless_flood_is_capped(server: HostileServer) -> None:
    report = client(server, "flood")
    assert_too_large(report, f"body passed the limit of {CAP} bytes")
    assert report["attempt_rows"][0]["status"] == 200


def test_fifty_concurrent_floods_stay_bounded(server: HostileServer) -> None:
    """The issue's flood, 50 at once: 50 × 4 MiB of events parsed, memory flat. (The deadline
    is only there so a loaded machine cannot turn the cap into a timeout.)"""
    report = client(server, "flood", n=50, read_s=30, deadline_s=50)
    assert len(report["calls"]) == 50
    assert_too_large(report, "body passed the limit", peak_mb=300)
    assert len(server.requests) == 50


def test_fifty_text_floods_cost_at_most_their_caps(server: HostileServer) -> None:
    """The worst flood: every event all text, which a parser keeps. Memory is bounded by the
    cap times the requests in flight, as ReadLimits documents."""
    report = client(server, "fat_flood", n=50)
    bound = report["base_rss_mb"] + 50 * CAP / MiB * 1.3
    assert_too_large(report, "body passed the limit", peak_mb=bound)


@pytest.mark.parametrize("n", [1, 50])
def test_huge_body_is_capped_while_read(server: HostileServer, n: int) -> None:
    report = client(server, "huge_body", n=n, stream=False)
    bound = ONE if n == 1 else report["base_rss_mb"] + n * CAP / MiB * 1.3
    assert_too_large(report, "body passed the limit", peak_mb=bound)


def test_declared_huge_body_is_refused_unread(server: HostileServer) -> None:
    report = client(server, "declared_huge", stream=False)
    assert_too_large(report, "Content-Length passed the limit")


def test_huge_error_body_is_classified_from_a_prefix(server: HostileServer) -> None:
    """A 500 with an endless body: classified from its first 64 KiB, the rest never read,
    retried as any 500 is, stored bounded."""
    report = client(server, "huge_error", max_attempts=2)
    call = only(report)
    assert call["kind"] == "server" and call["attempts"] == 2
    assert call["message"].startswith("HTTP 500: ") and len(call["message"]) <= 320
    assert call["body_len"] <= 20000
    assert [r["status"] for r in report["attempt_rows"]] == [500, 500]
    assert report["peak_rss_mb"] < ONE


def test_gzip_bomb_is_capped_on_decoded_bytes(server: HostileServer) -> None:
    first, again = gzip_bomb_parts()
    assert len(zlib.decompressobj(31).decompress(first + again * 4)) > 4 * MiB > len(first) * 100
    report = client(server, "gzip_bomb")
    assert_too_large(report, f"decompressed body passed the limit of {CAP} bytes")


def test_tiny_event_flood_hits_the_event_cap(server: HostileServer) -> None:
    report = client(server, "tiny_flood")
    assert_too_large(report, f"limit of {READ_LIMITS.sse_events} SSE events")


def test_endless_line_is_capped(server: HostileServer) -> None:
    report = client(server, "endless_line")
    assert_too_large(report, f"SSE line passed the limit of {READ_LIMITS.line_bytes} bytes")


def test_long_line_buffering_is_linear(server: HostileServer) -> None:
    """A 64 MiB line arriving in 64 KiB chunks: concatenating per chunk copied ~32 GB; kept as
    pieces it is read at socket speed."""
    limits = {"line_bytes": 64 * MiB, "response_bytes": 512 * MiB, "decompressed_bytes": 512 * MiB}
    report = client(server, "endless_line", limits=limits)
    assert_too_large(report, f"SSE line passed the limit of {64 * MiB} bytes", peak_mb=300)
    assert report["attempt_rows"][0]["e2e_s"] < 8


def test_slow_drip_ends_at_the_deadline(server: HostileServer) -> None:
    """A byte every 50 ms never trips the read timeout; the attempt's deadline ends it."""
    report = client(server, "drip", read_s=1, deadline_s=2)
    call = only(report)
    assert call["kind"] == "timeout" and "2s deadline" in call["message"]
    assert 1.9 <= report["attempt_rows"][0]["e2e_s"] < 4
    assert report["peak_rss_mb"] < ONE


def test_reset_mid_stream_is_dropped_and_retried(server: HostileServer) -> None:
    report = client(server, "reset", max_attempts=3)
    call = only(report)
    assert call["kind"] == "dropped" and call["attempts"] == 3
    assert [r["kind"] for r in report["attempt_rows"]] == ["dropped"] * 3
    assert len(server.requests) == 3
    assert report["peak_rss_mb"] < ONE


def test_invalid_utf8_becomes_replacement_characters(server: HostileServer) -> None:
    call = only(report := client(server, "bad_utf8"))
    assert call["kind"] == "answer" and call["outcome"] == "ok"
    assert call["text"].startswith("caf\ufffd")
    assert report["peak_rss_mb"] < ONE


def test_html_page_is_a_protocol_failure(server: HostileServer) -> None:
    call = only(report := client(server, "html", max_attempts=3))
    assert call["kind"] == "protocol" and "HTML" in call["message"]
    assert call["attempts"] == 1 and 0 < call["body_len"] <= 2048
    assert report["attempt_rows"][0]["status"] == 200
    assert report["peak_rss_mb"] < ONE


def test_absurd_retry_after_is_capped(server: HostileServer) -> None:
    report = client(server, "retry_after", max_attempts=1)
    call = only(report)
    assert call["kind"] == "rate_limit"
    (row,) = report["attempt_rows"]
    assert row["status"] == 429 and row["retry_after_s"] == MAX_RETRY_AFTER_S <= 120


def test_endless_headers_are_refused(server: HostileServer) -> None:
    report = client(server, "huge_headers", n=50)
    assert_too_large(report, "headers passed")
    assert {r["status"] for r in report["attempt_rows"]} == {None}


def test_headers_over_the_limit_are_refused(server: HostileServer) -> None:
    report = client(server, "big_headers")
    assert_too_large(report, f"headers passed the limit of {READ_LIMITS.header_bytes} bytes")
    assert client(server, "big_headers", limits={"header_bytes": 96 * 1024})["calls"][0] == {
        "attempts": 1,
        "kind": "answer",
        "outcome": "ok",
        "text": "hi",
    }


def test_redirect_is_not_followed_and_the_key_stays_home(server: HostileServer) -> None:
    with HostileServer() as other:
        server.state.redirect_to = f"{other.url}/ok/v1/chat/completions"
        report = client(server, "redirect", max_attempts=3)
        assert other.requests == []
    call = only(report)
    assert call["kind"] == "protocol" and call["attempts"] == 1
    assert f"redirect to {other.url} not followed" in call["message"]
    assert report["attempt_rows"][0]["status"] == 302
    (sent,) = server.requests
    assert sent["headers"]["authorization"] == "Bearer sk-hostile-secret"
    assert "sk-hostile-secret" not in json.dumps(report)


def test_client_pool_makes_clients_on_first_use() -> None:
    """A pool for 99,999,999 slots costs nothing until slots are used, then one client per
    eight slots in use."""

    async def go() -> tuple[int, int, int, float]:
        t0 = time.perf_counter()
        pool = ClientPool(99_999_999, Timeouts())
        built = time.perf_counter() - t0
        before = pool.made
        same = {id(pool.client(s)) for s in range(8)}
        pool.client(8)
        pool.client(99_999_998)
        made = pool.made
        await pool.aclose()
        return before, len(same), made, built

    before, same, made, built = asyncio.run(go())
    assert (before, same, made) == (0, 1, 3)
    assert built < 0.05


def test_cookies_are_never_sent_back() -> None:
    """A vendor's Set-Cookie (a session, a load balancer's pin) must not steer the requests
    after it: no cookie jar keeps it, neither httpx's nor the transport's."""
    from aiohttp import web

    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie"))
        resp = web.json_response({"ok": True})
        resp.set_cookie("session", "pinned")
        return resp

    async def go() -> None:
        app = web.Application()
        app.router.add_post("/x", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        pool = ClientPool(8, Timeouts())
        try:
            for _ in range(3):
                async with pool.client(0).stream("POST", f"http://127.0.0.1:{port}/x") as r:
                    await r.aread()
        finally:
            await pool.aclose()
            await runner.cleanup()

    asyncio.run(go())
    assert seen == [None, None, None]
