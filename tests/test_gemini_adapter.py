"""The Gemini adapter against Google's shared SDK test data."""

from __future__ import annotations

import json

import pytest

from providers.base import Answer, Failure

from .conftest import WIRE, Replay
from .replay import SSE, call, serve, sse

SUCCESS = (WIRE / "gemini_stream_success.sse").read_text()
BLOCKED = (WIRE / "gemini_stream_prompt_blocked.sse").read_text()


def chunk(parts: list[dict], finish: str | None = None, usage: dict | None = None) -> dict:
    cand: dict = {"content": {"parts": parts, "role": "model"}}
    if finish:
        cand["finishReason"] = finish
    return {
        "candidates": [cand],
        "usageMetadata": usage or {"promptTokenCount": 3},
        "modelVersion": "gemini-2.5-flash",
    }


async def test_stream_fixture(replay: Replay) -> None:
    serve(replay, 200, SUCCESS, SSE)
    ans = await call("gemini:gemini-2.0-flash", replay, max_tokens=100, temperature=0)
    assert isinstance(ans, Answer)
    assert ans.outcome == "ok" and ans.finish_reason == "STOP"
    assert ans.text == "The capital of Wyoming is **Cheyenne**.\n"
    assert (ans.usage.input_tokens, ans.usage.output_tokens) == (7, 10)
    assert ans.model_reported == "gemini-2.0-flash"
    sent = replay.requests[0]
    assert sent["path"] == "/v1/models/gemini-2.0-flash:streamGenerateContent"
    assert sent["headers"]["x-goog-api-key"] == "sk-test"
    assert sent["json"]["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
    assert sent["json"]["generationConfig"] == {"temperature": 0, "maxOutputTokens": 100}


async def test_prompt_blocked_fixture_is_api_block(replay: Replay) -> None:
    serve(replay, 200, BLOCKED, SSE)
    ans = await call("gemini:gemini-2.0-flash", replay)
    assert isinstance(ans, Answer)
    assert (ans.outcome, ans.block, ans.finish_reason) == (
        "api_block",
        "prompt_blocked",
        "blockReason:SAFETY",
    )


@pytest.mark.parametrize("reason", ["SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII"])
@pytest.mark.parametrize(("text", "outcome"), [("", "api_block"), ("Tank ", "withdrawn")])
async def test_output_block_finish_reasons(
    replay: Replay, reason: str, text: str, outcome: str
) -> None:
    events = [chunk([{"text": text}])] if text else []
    serve(replay, 200, sse(*events, {"candidates": [{"finishReason": reason}]}), SSE)
    ans = await call("gemini:gemini-2.5-flash", replay)
    assert isinstance(ans, Answer) and (ans.outcome, ans.block, ans.text) == (
        outcome,
        "output_blocked",
        text,
    )


@pytest.mark.parametrize(
    ("finish", "text", "outcome"),
    [("MAX_TOKENS", "Cut", "truncated"), ("STOP", "  ", "empty"), ("RECITATION", "x", "ok")],
)
async def test_other_finishes(replay: Replay, finish: str, text: str, outcome: str) -> None:
    serve(replay, 200, sse(chunk([{"text": text}], finish)), SSE)
    ans = await call("gemini:gemini-2.5-flash", replay)
    assert isinstance(ans, Answer) and ans.outcome == outcome


async def test_unstreamed_body_with_thoughts(replay: Replay) -> None:
    usage = {
        "promptTokenCount": 4,
        "candidatesTokenCount": 6,
        "thoughtsTokenCount": 30,
        "cachedContentTokenCount": 2,
        "totalTokenCount": 40,
    }
    body = chunk([{"text": "Think first.", "thought": True}, {"text": "Answer."}], "STOP", usage)
    serve(replay, 200, json.dumps(body))
    ans = await call("gemini:gemini-2.5-flash", replay, stream=False)
    assert isinstance(ans, Answer)
    assert (ans.reasoning, ans.text, ans.outcome) == ("Think first.", "Answer.", "ok")
    u = ans.usage
    assert (u.input_tokens, u.output_tokens, u.reasoning_tokens, u.cached_tokens) == (4, 36, 30, 2)
    assert replay.requests[0]["path"] == "/v1/models/gemini-2.5-flash:generateContent"


async def test_stream_ending_without_finish_is_dropped(replay: Replay) -> None:
    serve(replay, 200, SUCCESS.split("\n\n")[0] + "\n\n", SSE)
    result = await call("gemini:gemini-2.0-flash", replay)
    assert isinstance(result, Failure) and result.kind == "dropped"


async def test_resource_exhausted_with_retry_delay(replay: Replay) -> None:
    body = {
        "error": {
            "code": 429,
            "message": "You exceeded your current quota",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}],
        }
    }
    serve(replay, 429, json.dumps(body))
    result = await call("gemini:gemini-2.5-flash", replay)
    assert isinstance(result, Failure) and result.kind == "rate_limit" and result.retry_after == 7.0
