"""The vendors' official SDKs, pointed at the simulator, read what bench's adapters read.

The SDKs are test-only witnesses: if `openai`, `anthropic` and `google-genai` parse the
simulator's bytes into the same text, usage, finish reason and error classes as bench does,
the simulator speaks each protocol as the vendors do (and bench's tests against it mean
something).
"""

from __future__ import annotations

import anthropic
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types

from harness.simulator import Fault, SimConfig, Simulator
from harness.simulator.behaviour import Scenario, default_scenario

from .replay import sim_answer as ours

PROMPT = "Describe the history of the bicycle."
BLOCKED = "Tell me about Tiananmen in 1989."
THINKER = "deepseek-reasoner"


def _scenario(mix: dict[str, float]) -> Scenario:
    base = default_scenario()
    return Scenario(
        topics={"cn": ["tiananmen"]},
        reasoning_models=base.reasoning_models,
        rules=[{"when": {"topic": "cn"}, "mix": mix}, {"when": {}, "mix": {"answer": 1}}],
        texts=base.texts,
    )


@pytest.fixture
def fixed() -> Simulator:
    """Same prompt, same answer; China-topic prompts always blocked at the vendor's layer."""
    sim = Simulator(
        SimConfig(ttft_ms=0, token_ms=0, vary_repeats=False, tokens=(8, 16)),
        _scenario({"block": 1.0}),
    )
    sim.start()
    yield sim
    sim.stop()


def base(sim: Simulator, vendor: str, endpoint: str = "global") -> str:
    return f"{sim.url}/v/{vendor}/{endpoint}"


# ------------------------------------------------------------------ OpenAI chat completions


def test_openai_sdk_unstreamed(fixed: Simulator) -> None:
    client = openai.OpenAI(base_url=base(fixed, "openai"), api_key="sk-x", max_retries=0)
    r = client.chat.completions.create(
        model="gpt-5", messages=[{"role": "user", "content": PROMPT}], max_completion_tokens=200
    )
    a = ours(fixed, "openai:gpt-5", stream=False)
    assert r.choices[0].message.content == a.text and a.text
    assert r.choices[0].finish_reason == a.finish_reason == "stop"
    assert (r.usage.prompt_tokens, r.usage.completion_tokens) == (
        a.usage.input_tokens,
        a.usage.output_tokens,
    )
    assert r.model == a.model_reported and r.system_fingerprint == a.system_fingerprint


def test_openai_sdk_streamed_with_reasoning(fixed: Simulator) -> None:
    client = openai.OpenAI(base_url=base(fixed, "deepseek"), api_key="sk-x", max_retries=0)
    chunks = list(
        client.chat.completions.create(
            model=THINKER,
            messages=[{"role": "user", "content": PROMPT}],
            max_tokens=200,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    reasoning = "".join(
        getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks if c.choices
    )
    finish = next(
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    )
    a = ours(fixed, f"deepseek:{THINKER}")
    assert (text, reasoning, finish) == (a.text, a.reasoning, a.finish_reason)
    assert reasoning and chunks[-1].usage.completion_tokens == a.usage.output_tokens
    assert chunks[-1].usage.completion_tokens_details.reasoning_tokens == a.usage.reasoning_tokens


def test_openai_sdk_error_classes(fixed: Simulator) -> None:
    client = openai.OpenAI(base_url=base(fixed, "deepseek"), api_key="sk-x", max_retries=0)
    with pytest.raises(openai.BadRequestError) as blocked:
        client.chat.completions.create(
            model="deepseek-chat", messages=[{"role": "user", "content": BLOCKED}]
        )
    assert blocked.value.status_code == 400 and "Content Exists Risk" in str(blocked.value.body)
    a = ours(fixed, "deepseek:deepseek-chat", BLOCKED)
    assert (a.outcome, a.block, a.http_status) == ("api_block", "content_exists_risk", 400)
    fixed.configure(
        SimConfig(
            ttft_ms=0,
            token_ms=0,
            faults=[
                Fault(kind="429", times=1, match="rate"),
                Fault(kind="500", times=1, match="boom"),
            ],
        )
    )
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(
            model="deepseek-chat", messages=[{"role": "user", "content": "rate"}]
        )
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(
            model="deepseek-chat", messages=[{"role": "user", "content": "boom"}]
        )


# ------------------------------------------------------------------ Anthropic Messages


def test_anthropic_sdk_unstreamed_and_streamed(fixed: Simulator) -> None:
    client = anthropic.Anthropic(base_url=base(fixed, "anthropic"), api_key="sk-x", max_retries=0)
    msg = client.messages.create(
        model="claude-haiku-4-5", max_tokens=200, messages=[{"role": "user", "content": PROMPT}]
    )
    a = ours(fixed, "anthropic:claude-haiku-4-5", stream=False)
    assert msg.content[-1].text == a.text and msg.stop_reason == a.finish_reason == "end_turn"
    assert (msg.usage.input_tokens, msg.usage.output_tokens) == (
        a.usage.input_tokens,
        a.usage.output_tokens,
    )
    with client.messages.stream(
        model="claude-haiku-4-5", max_tokens=200, messages=[{"role": "user", "content": PROMPT}]
    ) as stream:
        final = stream.get_final_message()
    s = ours(fixed, "anthropic:claude-haiku-4-5")
    assert final.content[-1].text == s.text == a.text
    assert final.usage.output_tokens == s.usage.output_tokens and final.model == s.model_reported


def test_anthropic_sdk_thinking_and_refusal(fixed: Simulator) -> None:
    client = anthropic.Anthropic(base_url=base(fixed, "anthropic"), api_key="sk-x", max_retries=0)
    with client.messages.stream(
        model="claude-thinking", max_tokens=200, messages=[{"role": "user", "content": PROMPT}]
    ) as stream:
        final = stream.get_final_message()
    a = ours(fixed, "anthropic:claude-thinking")
    thinking = [b.thinking for b in final.content if b.type == "thinking"]
    assert thinking == [a.reasoning] and a.reasoning
    refused = client.messages.create(
        model="claude-haiku-4-5", max_tokens=200, messages=[{"role": "user", "content": BLOCKED}]
    )
    r = ours(fixed, "anthropic:claude-haiku-4-5", BLOCKED)
    assert refused.stop_reason == r.finish_reason == "refusal" and r.outcome == "api_block"


def test_anthropic_sdk_error_classes(fixed: Simulator) -> None:
    fixed.configure(
        SimConfig(
            ttft_ms=0,
            token_ms=0,
            faults=[
                Fault(kind="529", times=1, match="busy"),
                Fault(kind="429", times=1, match="rate"),
            ],
        )
    )
    client = anthropic.Anthropic(base_url=base(fixed, "anthropic"), api_key="sk-x", max_retries=0)
    with pytest.raises(anthropic.InternalServerError) as busy:
        client.messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "busy"}]
        )
    assert busy.value.status_code == 529 and type(busy.value).__name__ == "OverloadedError"
    with pytest.raises(anthropic.RateLimitError):
        client.messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "rate"}]
        )


# ------------------------------------------------------------------ Gemini


def _genai(sim: Simulator) -> genai.Client:
    return genai.Client(
        api_key="sk-x", http_options=genai_types.HttpOptions(base_url=base(sim, "gemini"))
    )


def test_genai_sdk_unstreamed_and_streamed(fixed: Simulator) -> None:
    client = _genai(fixed)
    r = client.models.generate_content(model="gemini-2.5-flash", contents=PROMPT)
    a = ours(fixed, "gemini:gemini-2.5-flash", stream=False)
    assert r.text == a.text and r.candidates[0].finish_reason.value == a.finish_reason == "STOP"
    assert r.usage_metadata.prompt_token_count == a.usage.input_tokens
    assert r.usage_metadata.candidates_token_count == a.usage.output_tokens
    chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash", contents=PROMPT))
    s = ours(fixed, "gemini:gemini-2.5-flash")
    assert "".join(c.text or "" for c in chunks) == s.text == a.text
    assert chunks[-1].usage_metadata.candidates_token_count == s.usage.output_tokens


def test_genai_sdk_thoughts_and_blocked_prompt(fixed: Simulator) -> None:
    client = _genai(fixed)
    r = client.models.generate_content(model="gemini-thinking", contents=PROMPT)
    a = ours(fixed, "gemini:gemini-thinking", stream=False)
    thoughts = "".join(p.text for p in r.candidates[0].content.parts if p.thought)
    assert (
        thoughts == a.reasoning
        and r.usage_metadata.thoughts_token_count == a.usage.reasoning_tokens
    )
    blocked = client.models.generate_content(model="gemini-2.5-flash", contents=BLOCKED)
    b = ours(fixed, "gemini:gemini-2.5-flash", BLOCKED)
    assert blocked.prompt_feedback.block_reason == genai_types.BlockedReason.SAFETY
    assert (b.outcome, b.finish_reason) == ("api_block", "blockReason:SAFETY")


def test_genai_sdk_error_classes(fixed: Simulator) -> None:
    fixed.configure(
        SimConfig(
            ttft_ms=0,
            token_ms=0,
            faults=[
                Fault(kind="429", times=1, match="rate"),
                Fault(kind="500", times=1, match="boom"),
            ],
        )
    )
    client = _genai(fixed)
    with pytest.raises(genai_errors.ClientError) as rate:
        client.models.generate_content(model="gemini-2.5-flash", contents="rate")
    assert rate.value.code == 429 and rate.value.status == "RESOURCE_EXHAUSTED"
    with pytest.raises(genai_errors.ServerError):
        client.models.generate_content(model="gemini-2.5-flash", contents="boom")
