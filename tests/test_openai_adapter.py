"""The OpenAI chat-completions adapter against the vendors' own bytes, served over loopback.

Each fixture in tests/fixtures/wire is served with its real HTTP status by a real server;
the adapter runs through the same timed attempt the scheduler uses.
"""

from __future__ import annotations

import json

import pytest

from providers.base import Answer, Failure

from .conftest import WIRE, Replay
from .replay import SSE, call, serve, sse


async def test_openai_stream_with_usage_chunk(replay: Replay) -> None:
    serve(replay, 200, (WIRE / "openai_chat_stream_usage.sse").read_text(), SSE)
    ans = await call("openai:gpt-4o", replay)
    assert isinstance(ans, Answer)
    assert ans.outcome == "truncated" and ans.finish_reason == "length"
    assert ans.text == '{"'
    assert (ans.usage.input_tokens, ans.usage.output_tokens, ans.usage.reasoning_tokens) == (
        79,
        1,
        0,
    )
    assert ans.model_reported == "gpt-4o-2024-08-06"
    assert ans.response_id == "chatcmpl-ABfw3Oqj8RD0z6aJiiX37oTjV2HFh"
    assert ans.system_fingerprint == "fp_7568d46099"
    sent = replay.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == "Bearer sk-test"
    assert sent["json"]["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("stream", [False, True])
async def test_deepseek_unstreamed_body_same_parser(replay: Replay, stream: bool) -> None:
    """A JSON body is parsed the same whether or not a stream was asked for."""
    body = (WIRE / "deepseek_reasoner_response.json").read_text()
    serve(replay, 200, "\n\n" + body)  # DeepSeek sends blank keep-alive lines while queued
    ans = await call("deepseek:deepseek-reasoner", replay, stream=stream)
    assert isinstance(ans, Answer) and ans.outcome == "ok"
    assert ans.text == "Hello! How can I assist you today?"
    assert ans.reasoning.startswith("Okay, the user wrote")
    u = ans.usage
    assert (u.input_tokens, u.output_tokens, u.reasoning_tokens, u.cached_tokens) == (6, 92, 81, 0)
    assert ans.model_reported == "deepseek-reasoner" and ans.system_fingerprint == "fp_7e73fd9a08"


async def test_deepseek_stream_reasoning_then_answer(replay: Replay) -> None:
    first = json.loads((WIRE / "deepseek_reasoner_first_chunk.json").read_text())
    think = json.loads(json.dumps(first))
    think["choices"][0]["delta"] = {"content": None, "reasoning_content": "Let me think."}
    text = json.loads(json.dumps(first))
    text["choices"][0]["delta"] = {"content": "Hi!", "reasoning_content": None}
    end = json.loads(json.dumps(first))
    end["choices"][0].update(delta={}, finish_reason="stop")
    body = ": keep-alive\n\n" + sse(first, think, text, end, "[DONE]")
    serve(replay, 200, body, SSE)
    ans = await call("deepseek:deepseek-reasoner", replay)
    assert isinstance(ans, Answer) and ans.outcome == "ok"
    assert (ans.reasoning, ans.text) == ("Let me think.", "Hi!")
    assert ans.model_reported == "deepseek-reasoner"
    assert ans.response_id == "43a31dda-92f6-4cdf-a333-bb399599a824"


async def test_moonshot_usage_inside_choice(replay: Replay) -> None:
    final = json.loads((WIRE / "moonshot_final_chunk_usage_in_choice.json").read_text())
    head = json.loads(json.dumps(final))
    head["choices"][0] = {
        "index": 0,
        "delta": {"role": "assistant", "content": "你好"},
        "finish_reason": None,
    }
    serve(replay, 200, sse(head, final, "[DONE]"), SSE)
    ans = await call("moonshot:kimi-k2-turbo-preview", replay)
    assert isinstance(ans, Answer) and ans.outcome == "ok" and ans.text == "你好"
    u = ans.usage
    assert (u.input_tokens, u.output_tokens, u.cached_tokens) == (8, 11, 8)
    assert ans.system_fingerprint == "fpv0_10a6da87"


def _ark_body() -> str:
    """Ark publishes the message template; the envelope is its documented error shape."""
    message = (WIRE / "ark_400_input_text_risk_message.txt").read_text().strip()
    return json.dumps(
        {
            "error": {
                "code": "InputTextRiskDetection",
                "message": message,
                "param": "",
                "type": "BadRequest",
            }
        }
    )


BLOCKS = [
    ("deepseek:deepseek-chat", 400, "deepseek_400_content_exists_risk.json", "content_exists_risk"),
    ("moonshot:kimi-k2", 400, "moonshot_400_content_filter.json", "content_filter_400"),
    ("zhipu:glm-4.7", 400, "zhipu_400_code_1301.json", "code_1301"),
    ("zai:glm-5.2", 400, "zhipu_400_code_1301.json", "code_1301"),
    ("qwen:qwen-plus", 400, "dashscope_400_data_inspection_failed.json", "data_inspection_failed"),
    ("doubao:doubao-seed-2-0-pro", 400, None, "input_text_risk"),
    ("openai:gpt-5", 400, "openai_400_invalid_prompt.json", "invalid_prompt"),
    ("xai:grok-4", 403, "xai_403_content_violates.json", "content_violates_usage_guidelines"),
]


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize(("ref", "status", "fixture", "signature"), BLOCKS)
async def test_moderation_blocks_are_api_block(
    replay: Replay, ref: str, status: int, fixture: str | None, signature: str, stream: bool
) -> None:
    body = (WIRE / fixture).read_text() if fixture else _ark_body()
    serve(replay, status, body)
    ans = await call(ref, replay, stream=stream)
    assert isinstance(ans, Answer)
    assert (ans.outcome, ans.block, ans.http_status) == ("api_block", signature, status)
    assert ans.error_body == body


@pytest.mark.parametrize(
    ("ref", "fixture"),
    [
        ("openai:gpt-5", "deepseek_400_content_exists_risk.json"),
        ("vllm:qwen3", "moonshot_400_content_filter.json"),
        ("deepseek:deepseek-chat", "zhipu_400_code_1301.json"),
    ],
)
async def test_unknown_error_shape_is_error_not_block(
    replay: Replay, ref: str, fixture: str
) -> None:
    """A body that matches none of this vendor's signatures is never guessed to be a block."""
    serve(replay, 400, (WIRE / fixture).read_text())
    result = await call(ref, replay)
    assert isinstance(result, Failure)
    assert result.kind == "bad_request" and not result.retryable
    assert result.body == (WIRE / fixture).read_text()


async def test_overloaded_529_is_retryable(replay: Replay) -> None:
    serve(replay, 529, (WIRE / "anthropic_529_overloaded.json").read_text())
    result = await call("openai:gpt-5", replay)
    assert isinstance(result, Failure) and result.kind == "overloaded" and result.retryable


def _chunk(delta: dict, finish: str | None = None) -> dict:
    return {
        "id": "c1",
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


async def test_mid_stream_moderation_error_is_withdrawn_with_partial_text(replay: Replay) -> None:
    error = (WIRE / "deepseek_400_content_exists_risk.json").read_text()
    serve(replay, 200, sse(_chunk({"content": "In June 1989 "}), error), SSE)
    ans = await call("deepseek:deepseek-chat", replay)
    assert isinstance(ans, Answer)
    assert (ans.outcome, ans.text, ans.block) == (
        "withdrawn",
        "In June 1989 ",
        "content_exists_risk",
    )


async def test_mid_stream_other_error_is_a_retryable_failure(replay: Replay) -> None:
    serve(
        replay, 200, sse(_chunk({"content": "Hel"}), {"error": {"message": "upstream died"}}), SSE
    )
    result = await call("openrouter:z-ai/glm-4.7", replay)
    assert isinstance(result, Failure) and result.kind == "stream_error" and result.retryable


@pytest.mark.parametrize(("text", "outcome"), [("", "api_block"), ("Partial ", "withdrawn")])
async def test_content_filter_finish(replay: Replay, text: str, outcome: str) -> None:
    events = [_chunk({"content": text})] if text else []
    serve(replay, 200, sse(*events, _chunk({}, "content_filter"), "[DONE]"), SSE)
    ans = await call("openai:gpt-5", replay)
    assert isinstance(ans, Answer) and ans.outcome == outcome and ans.text == text


async def test_zhipu_sensitive_finish_is_withdrawn(replay: Replay) -> None:
    serve(replay, 200, sse(_chunk({"content": "关于"}), _chunk({}, "sensitive"), "[DONE]"), SSE)
    ans = await call("zhipu:glm-4.7", replay)
    assert isinstance(ans, Answer) and (ans.outcome, ans.block) == ("withdrawn", "sensitive")


async def test_stream_cut_before_finish_is_dropped(replay: Replay) -> None:
    serve(replay, 200, sse(_chunk({"content": "Hello"})), SSE)
    result = await call("openai:gpt-5", replay)
    assert isinstance(result, Failure) and result.kind == "dropped" and result.retryable


async def test_blank_answer_is_empty_and_reasoning_kept(replay: Replay) -> None:
    serve(
        replay,
        200,
        sse(_chunk({"reasoning": "hmm"}), _chunk({"content": "  "}, "stop"), "[DONE]"),
        SSE,
    )
    ans = await call("vllm:qwen3", replay)
    assert isinstance(ans, Answer) and ans.outcome == "empty" and ans.reasoning == "hmm"


async def test_think_tags_split_from_answer(replay: Replay) -> None:
    serve(
        replay,
        200,
        sse(
            _chunk({"content": "<think>plan"}),
            _chunk({"content": "</think>Answer"}, "stop"),
            "[DONE]",
        ),
        SSE,
    )
    ans = await call("minimax:MiniMax-M2.7", replay)
    assert isinstance(ans, Answer) and (ans.reasoning, ans.text) == ("plan", "Answer")


async def test_request_quirks(replay: Replay) -> None:
    serve(replay, 200, (WIRE / "deepseek_reasoner_response.json").read_text())
    await call("openai:gpt-5", replay, stream=False, max_tokens=64, temperature=0)
    await call("mistral:mistral-small-2603", replay, stream=True, max_tokens=64)
    openai_body, mistral_body = (r["json"] for r in replay.requests)
    assert openai_body["max_completion_tokens"] == 64 and "max_tokens" not in openai_body
    assert "stream" not in openai_body and openai_body["temperature"] == 0
    assert mistral_body["max_tokens"] == 64 and mistral_body["stream"] is True
    assert "stream_options" not in mistral_body


async def test_openrouter_keeps_the_upstream_provider(replay: Replay) -> None:
    head = {
        "id": "gen-1",
        "provider": "DeepInfra",
        "model": "z-ai/glm-4.7",
        "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}],
    }
    tail = {
        "id": "gen-1",
        "provider": "DeepInfra",
        "model": "z-ai/glm-4.7",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1},
    }
    serve(replay, 200, ": OPENROUTER PROCESSING\n\n" + sse(head, tail, "[DONE]"), SSE)
    ans = await call("openrouter:z-ai/glm-4.7", replay)
    assert isinstance(ans, Answer) and ans.outcome == "ok"
    assert (ans.upstream_provider, ans.model_reported, ans.response_id) == (
        "DeepInfra",
        "z-ai/glm-4.7",
        "gen-1",
    )
