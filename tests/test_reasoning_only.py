"""An answer that is only a reasoning block (`<think></think>`, DeepSeek-R1 style) answered
nothing: outcome `empty` on all three protocols, streamed or not."""

from __future__ import annotations

import pytest

from providers.base import Answer

from .conftest import Replay
from .replay import SSE, call, serve, sse

EMPTY_THINK = ["<think></think>", "<think>\n\n</think>\n\n", "<think>The user asks…</think>"]


def _openai(text: str, stream: bool) -> tuple[str, str]:
    if not stream:
        body = {"id": "c", "model": "m", "choices": [{"index": 0, "message": {"role": "assistant",
                "content": text}, "finish_reason": "stop"}]}  # fmt: skip
        import json

        return json.dumps(body), "application/json"
    chunks = [
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": text}}]},
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    return sse(*chunks, "[DONE]"), SSE


def _anthropic(text: str) -> tuple[str, str]:
    events = [
        {"type": "message_start", "message": {"id": "m", "type": "message", "role": "assistant",
         "content": [], "model": "claude", "usage": {"input_tokens": 3, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
         "usage": {"output_tokens": 5}},
        {"type": "message_stop"},
    ]  # fmt: skip
    return "".join(f"event: {e['type']}\n" + sse(e) for e in events), SSE


def _gemini(text: str) -> tuple[str, str]:
    chunk = {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
             "finishReason": "STOP"}], "usageMetadata": {"promptTokenCount": 3}}  # fmt: skip
    return sse(chunk), SSE


@pytest.mark.parametrize("text", EMPTY_THINK)
@pytest.mark.parametrize(
    "ref,body",
    [
        ("deepseek:deepseek-reasoner", lambda t: _openai(t, True)),
        ("deepseek:deepseek-reasoner", lambda t: _openai(t, False)),
        ("anthropic:claude-haiku-4-5", _anthropic),
        ("gemini:gemini-2.5-flash", _gemini),
    ],
)
async def test_reasoning_only_is_empty(replay: Replay, ref: str, body, text: str) -> None:  # type: ignore[no-untyped-def]
    payload, content_type = body(text)
    serve(replay, 200, payload, content_type)
    ans = await call(ref, replay, stream=content_type == SSE)
    assert isinstance(ans, Answer), ans
    assert ans.outcome == "empty", (ref, text, ans.text)


async def test_reasoning_then_an_answer_is_ok(replay: Replay) -> None:
    serve(replay, 200, *_openai("<think>weighing it</think>Paris.", True))
    ans = await call("deepseek:deepseek-reasoner", replay)
    assert isinstance(ans, Answer) and ans.outcome == "ok"
