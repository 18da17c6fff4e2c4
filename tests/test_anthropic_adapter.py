"""The Anthropic Messages adapter against Anthropic's own published stream bytes."""

from __future__ import annotations

import json

import pytest

from providers.base import Answer, Failure

from .conftest import WIRE, Replay
from .replay import SSE, call, serve

STREAM = (WIRE / "anthropic_messages_stream.sse").read_text()
REFUSAL = (WIRE / "anthropic_messages_refusal_delta.sse").read_text().rstrip("\n") + "\n\n"
MESSAGE_START = STREAM.split("\n\n")[0] + "\n\n"


def ev(name: str, obj: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(obj)}\n\n"


def text_delta(text: str, index: int = 0) -> str:
    return ev(
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": index,
            "delta": {"type": "text_delta", "text": text},
        },
    )


STOP = ev("message_stop", {"type": "message_stop"})


async def test_stream_fixture(replay: Replay) -> None:
    serve(replay, 200, STREAM, SSE)
    ans = await call("anthropic:claude-3-opus-latest", replay, temperature=0.2)
    assert isinstance(ans, Answer)
    assert (ans.outcome, ans.text, ans.finish_reason) == ("ok", "Hello there!", "end_turn")
    assert (ans.usage.input_tokens, ans.usage.output_tokens) == (11, 6)
    assert ans.model_reported == "claude-3-opus-latest"
    assert ans.response_id == "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK"
    sent = replay.requests[0]
    assert sent["path"] == "/v1/v1/messages"
    assert sent["headers"]["x-api-key"] == "sk-test"
    assert sent["headers"]["anthropic-version"] == "2023-06-01"
    assert "Authorization" not in sent["headers"]
    assert sent["json"]["max_tokens"] == 4096 and sent["json"]["temperature"] == 0.2
    assert sent["json"]["stream"] is True


async def test_refusal_before_any_text_is_api_block(replay: Replay) -> None:
    serve(replay, 200, MESSAGE_START + REFUSAL + STOP, SSE)
    ans = await call("anthropic:claude-sonnet-4-5", replay)
    assert isinstance(ans, Answer)
    assert (ans.outcome, ans.block, ans.finish_reason) == ("api_block", "refusal", "refusal")
    u = ans.usage
    assert (u.input_tokens, u.output_tokens, u.reasoning_tokens, u.cached_tokens) == (
        28,
        106,
        67,
        0,
    )


@pytest.mark.parametrize("ref", ["anthropic:claude-sonnet-4-5", "deepseek@anthropic:deepseek-chat"])
async def test_refusal_after_text_is_withdrawn_with_partial_text(replay: Replay, ref: str) -> None:
    start = ev(
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    )
    serve(replay, 200, MESSAGE_START + start + text_delta("The events of") + REFUSAL + STOP, SSE)
    ans = await call(ref, replay)
    assert isinstance(ans, Answer)
    assert (ans.outcome, ans.text, ans.block) == ("withdrawn", "The events of", "refusal")


async def test_refusal_is_not_a_block_for_a_vendor_without_that_signature(replay: Replay) -> None:
    """Hunyuan's Anthropic endpoint declares no refusal signature: no guessing."""
    serve(replay, 200, MESSAGE_START + REFUSAL + STOP, SSE)
    ans = await call("hunyuan@anthropic:hunyuan-turbos", replay)
    assert isinstance(ans, Answer) and ans.outcome == "empty" and ans.block is None


async def test_unstreamed_body_with_thinking_and_max_tokens(replay: Replay) -> None:
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "Weigh it.", "signature": "x"},
            {"type": "text", "text": "Partial answ"},
        ],
        "stop_reason": "max_tokens",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 5,
            "cache_read_input_tokens": 100,
            "cache_creation_input_tokens": 20,
            "output_tokens": 50,
        },
    }
    serve(replay, 200, json.dumps(body))
    ans = await call("anthropic:claude-sonnet-4-5", replay, stream=False, max_tokens=50)
    assert isinstance(ans, Answer)
    assert (ans.outcome, ans.text, ans.reasoning) == ("truncated", "Partial answ", "Weigh it.")
    assert (ans.usage.input_tokens, ans.usage.cached_tokens, ans.usage.output_tokens) == (
        125,
        100,
        50,
    )
    assert "stream" not in replay.requests[0]["json"]


async def test_thinking_stream_and_system_prompt(replay: Replay) -> None:
    think = ev(
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "Hmm."},
        },
    )
    end = ev(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 9},
        },
    )
    serve(replay, 200, MESSAGE_START + think + text_delta("Yes.", 1) + end + STOP, SSE)
    ans = await call("anthropic:claude-sonnet-4-5", replay)
    assert isinstance(ans, Answer) and (ans.reasoning, ans.text, ans.outcome) == (
        "Hmm.",
        "Yes.",
        "ok",
    )
    assert ans.usage.output_tokens == 9


async def test_overloaded_529_fixture_is_retryable(replay: Replay) -> None:
    serve(replay, 529, (WIRE / "anthropic_529_overloaded.json").read_text())
    result = await call("anthropic:claude-haiku-4-5", replay)
    assert isinstance(result, Failure) and result.kind == "overloaded" and result.retryable


async def test_spend_limit_429_is_not_retried(replay: Replay) -> None:
    body = {
        "type": "error",
        "error": {
            "type": "rate_limit_error",
            "message": "spend limit",
            "details": {"error_code": "enforced_spend_limit_reached"},
        },
    }
    serve(replay, 429, json.dumps(body))
    result = await call("anthropic:claude-haiku-4-5", replay)
    assert isinstance(result, Failure) and result.kind == "quota" and not result.retryable


async def test_error_event_mid_stream_is_retryable(replay: Replay) -> None:
    err = "event: error\ndata: " + (WIRE / "anthropic_529_overloaded.json").read_text() + "\n\n"
    serve(replay, 200, MESSAGE_START + text_delta("Hel") + err, SSE)
    result = await call("anthropic:claude-haiku-4-5", replay)
    assert isinstance(result, Failure) and result.kind == "stream_error" and result.retryable


async def test_stream_without_message_stop_is_dropped(replay: Replay) -> None:
    serve(replay, 200, MESSAGE_START + text_delta("Hel"), SSE)
    result = await call("anthropic:claude-haiku-4-5", replay)
    assert isinstance(result, Failure) and result.kind == "dropped"


async def test_content_exists_risk_on_the_anthropic_endpoint(replay: Replay) -> None:
    serve(replay, 400, (WIRE / "deepseek_400_content_exists_risk.json").read_text())
    ans = await call("deepseek@anthropic:deepseek-chat", replay)
    assert isinstance(ans, Answer) and (ans.outcome, ans.block) == (
        "api_block",
        "content_exists_risk",
    )
