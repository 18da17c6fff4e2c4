"""No reply, however shaped, makes a protocol parser or the SSE decoder raise.

A vendor's bytes are untrusted: valid JSON of the wrong shape (the right keys holding the wrong
types, a structure where text belongs), bytes that are not JSON at all, or not UTF-8, must end
as an `Answer` or a `Failure` of that one request, never as an exception that would end a run.

Each parser gets 10,000 generated replies, streamed event by event and as a whole body: valid
events with one value swapped for random JSON at a random depth, random JSON built from the
protocol's own keys, and text or bytes that are no JSON at all, mixed with valid events so that
later states are reached too. Hypothesis picks the seeds and targets and a seeded generator
builds the reply: a reply drawn through nested Hypothesis strategies costs ~3 ms, which would
make 10,000 per parser take minutes. The nested strategies still run, on fewer examples, for
the minimal failing reply they shrink to; a seed's failing reply is printed by `note`.
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from providers import adapter_for, resolve
from providers.base import NOTHING, REASONING, TEXT, Answer, Failure, Target
from providers.sse import SSEDecoder

EXAMPLES = 10_000
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
SHRINKING = 300
"""Replies per parser drawn through nested strategies (about 3 ms each, so fewer)."""
INT64_MAX = 2**63 - 1

# ------------------------------------------------------------------ what the replies are made of

OPENAI_KEYS = (
    "id", "model", "object", "provider", "system_fingerprint", "usage", "choices", "index",
    "delta", "message", "content", "refusal", "reasoning_content", "reasoning", "finish_reason",
    "error", "base_resp", "status_code", "prompt_tokens", "completion_tokens", "cached_tokens",
    "prompt_tokens_details", "completion_tokens_details", "reasoning_tokens",
    "prompt_cache_hit_tokens",
)  # fmt: skip
ANTHROPIC_KEYS = (
    "type", "message", "id", "model", "usage", "stop_reason", "content", "content_block",
    "delta", "text", "thinking", "input_tokens", "output_tokens", "cache_read_input_tokens",
    "cache_creation_input_tokens", "output_tokens_details", "thinking_tokens", "error",
)  # fmt: skip
GEMINI_KEYS = (
    "candidates", "content", "parts", "text", "thought", "finishReason", "usageMetadata",
    "promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "cachedContentTokenCount",
    "promptFeedback", "blockReason", "modelVersion", "responseId", "error", "role",
)  # fmt: skip
WORDS = (
    "text", "text_delta", "thinking", "thinking_delta", "message", "message_start",
    "message_delta", "message_stop", "content_block_start", "content_block_delta", "error",
    "stop", "length", "content_filter", "end_turn", "max_tokens", "refusal", "STOP",
    "MAX_TOKENS", "SAFETY", "<think>", "</think>", "[DONE]", "",
)  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -3, 12, INT64_MAX, INT64_MAX + 1, 10**30]),
    st.floats(),  # nan and ±inf included: json.dumps writes them, json.loads reads them back
    st.sampled_from(WORDS),
    st.text(max_size=6),
)


def json_values(keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Random JSON whose objects mostly use the protocol's own keys."""
    key = st.one_of(st.sampled_from(keys), st.text(max_size=4))
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(key, inner, max_size=4),
        max_leaves=8,
    )


OPENAI_EVENTS = [
    {"id": "c1", "model": "m", "system_fingerprint": "fp", "provider": "p",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": "<think>hm</think>Hi"}}]},
    {"id": "c1", "choices": [{"index": 0, "delta": {"reasoning_content": "why", "refusal": None}}]},
    {"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop",
     "usage": {"prompt_tokens": 3, "completion_tokens": 4}}]},
    {"id": "c1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4,
     "prompt_tokens_details": {"cached_tokens": 1},
     "completion_tokens_details": {"reasoning_tokens": 2}}},
    {"id": "c1", "object": "chat.completion", "model": "m", "choices": [{"index": 0,
     "message": {"role": "assistant", "content": "Hi", "reasoning_content": "r"},
     "finish_reason": "length"}], "usage": {"prompt_tokens": 3, "completion_tokens": 4}},
    {"error": {"message": "upstream died", "code": 500}},
    {"base_resp": {"status_code": 1027, "status_msg": "output new_sensitive"}},
]  # fmt: skip
ANTHROPIC_EVENTS = [
    {"type": "message_start", "message": {"id": "m1", "type": "message", "model": "claude",
     "content": [], "usage": {"input_tokens": 3, "cache_read_input_tokens": 1,
     "cache_creation_input_tokens": 0, "output_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
    {"type": "content_block_delta", "index": 1,
     "delta": {"type": "thinking_delta", "thinking": "hm"}},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
     "usage": {"output_tokens": 5, "output_tokens_details": {"thinking_tokens": 2}}},
    {"type": "message_stop"},
    {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    {"id": "m1", "type": "message", "model": "claude", "stop_reason": "max_tokens",
     "content": [{"type": "thinking", "thinking": "hm"}, {"type": "text", "text": "Hi"}],
     "usage": {"input_tokens": 3, "output_tokens": 4}},
]  # fmt: skip
GEMINI_EVENTS = [
    {"candidates": [{"content": {"parts": [{"text": "hm", "thought": True}, {"text": "Hi"}],
     "role": "model"}}], "usageMetadata": {"promptTokenCount": 3},
     "modelVersion": "g", "responseId": "r"},
    {"candidates": [{"content": {"parts": [{"text": "!"}], "role": "model"},
     "finishReason": "STOP"}], "usageMetadata": {"promptTokenCount": 3,
     "candidatesTokenCount": 4, "thoughtsTokenCount": 2, "cachedContentTokenCount": 1}},
    {"promptFeedback": {"blockReason": "SAFETY"}},
    {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}},
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, events: list[dict[str, Any]], values: st.SearchStrategy[Any]) -> Any:
    """A valid event with the value at a random depth replaced by random JSON."""
    root = copy.deepcopy(draw(st.sampled_from(events)))
    node: Any = root
    while True:
        if isinstance(node, dict) and node:
            key: Any = draw(st.sampled_from(sorted(node)))
        elif isinstance(node, list) and node:
            key = draw(st.integers(0, len(node) - 1))
        else:
            return root
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            node = child
            continue
        node[key] = draw(values)
        return root


def replies(keys: tuple[str, ...], events: list[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """(streamed events as SSE data, a whole body as bytes) for one protocol."""
    values = json_values(keys)
    obj = st.one_of(st.sampled_from(events), mutated(events, values), values)
    data = st.one_of(
        obj.map(json.dumps), obj.map(json.dumps), st.text(max_size=20), st.just("[DONE]")
    )
    body = st.one_of(
        obj.map(lambda o: json.dumps(o).encode()),
        st.binary(max_size=40),
        st.text(max_size=20).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
    return st.tuples(st.lists(data, min_size=1, max_size=5), body)


SPECIAL = (0, -3, 12, 12.0, 0.5, -0.0, 1e400, -1e400, float("nan"), True, False, None,
           INT64_MAX, INT64_MAX + 1, 10**30, "", "12", "x", "<think>", "[DONE]")  # fmt: skip
CHARS = 'aZ 0{}[]":,\n\\\u00e9\u4e2d\U0001f600\ud800\x00'


def _scalar(rng: random.Random) -> Any:
    pick = rng.randrange(6)
    if pick == 0:
        return rng.choice(SPECIAL)
    if pick == 1:
        return rng.choice(WORDS)
    if pick == 2:
        return rng.randint(-(2**70), 2**70) if rng.random() < 0.2 else rng.randint(-5, 500)
    if pick == 3:
        return rng.uniform(-1e6, 1e6)
    if pick == 4:
        return "".join(rng.choice(CHARS) for _ in range(rng.randrange(8)))
    return None


def _json(rng: random.Random, keys: tuple[str, ...], depth: int = 0) -> Any:
    """Random JSON: scalars, lists and objects (mostly of the protocol's keys), 3 deep at most."""
    roll = rng.random()
    if depth >= 3 or roll < 0.45:
        return _scalar(rng)
    if roll < 0.65:
        return [_json(rng, keys, depth + 1) for _ in range(rng.randrange(4))]
    obj = {}
    for _ in range(rng.randrange(5)):
        key = rng.choice(keys) if rng.random() < 0.85 else str(_scalar(rng))
        obj[key] = _json(rng, keys, depth + 1)
    return obj


def _mutate(rng: random.Random, event: Any, keys: tuple[str, ...]) -> Any:
    """`event` with the value at a random depth replaced by random JSON."""
    root = copy.deepcopy(event)
    node = root
    while True:
        slots = list(node) if isinstance(node, dict) else range(len(node))
        if not slots:
            return root
        key = rng.choice(slots)
        child = node[key]
        if isinstance(child, dict | list) and child and rng.random() < 0.5:
            node = child
            continue
        node[key] = _json(rng, keys)
        return root


def _event(rng: random.Random, keys: tuple[str, ...], events: list[dict[str, Any]]) -> Any:
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(events)
    if roll < 0.85:
        return _mutate(rng, rng.choice(events), keys)
    return _json(rng, keys)


def seeded_reply(
    seed: int, keys: tuple[str, ...], events: list[dict[str, Any]]
) -> tuple[list[str], bytes]:
    """(SSE data of 1-5 events, a whole body) built from `seed`."""
    rng = random.Random(seed)
    data = []
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        if roll < 0.85:
            data.append(json.dumps(_event(rng, keys, events)))
        elif roll < 0.95:
            data.append("".join(rng.choice(CHARS) for _ in range(rng.randrange(12))))
        else:
            data.append("[DONE]")
    roll = rng.random()
    if roll < 0.8:
        body = json.dumps(_event(rng, keys, events)).encode("utf-8", "surrogatepass")
    elif roll < 0.9:  # a body cut short
        whole = json.dumps(rng.choice(events)).encode()
        body = whole[: rng.randrange(len(whole))]
    else:
        body = rng.randbytes(rng.randrange(40))
    return data, body


def _target(ref: str) -> Target:
    return resolve(ref, env={}, require_key=False)


# think_tags (minimax), two reasoning fields (vllm), moderation signatures (deepseek, qwen)
OPENAI_TARGETS = [_target(r) for r in ("openai:gpt-5", "minimax:m", "vllm:m", "deepseek:d")]
ANTHROPIC_TARGETS = [_target("anthropic:claude-haiku-4-5"), _target("deepseek@anthropic:d")]
GEMINI_TARGETS = [_target("gemini:gemini-2.5-flash")]


# ------------------------------------------------------------------ what must hold of every reply


def _typed(result: Answer | Failure) -> None:
    """An outcome whose fields have the types the rows expect: parsers hand on typed values."""
    assert isinstance(result, Answer | Failure), result
    if isinstance(result, Failure):
        assert isinstance(result.message, str) and result.kind
        return
    assert isinstance(result.text, str) and isinstance(result.reasoning, str)
    for name in ("finish_reason", "model_reported", "response_id", "system_fingerprint"):
        assert isinstance(getattr(result, name), str | None), name
    u = result.usage
    for n in (u.input_tokens, u.output_tokens, u.reasoning_tokens, u.cached_tokens):
        assert n is None or (type(n) is int and 0 <= n <= INT64_MAX), u


RETRY_AFTER = ("nan", "inf", "-1", "1e999", "3", "", "Wed, 21 Oct 99999 07:28:00 GMT", "x")


def _parse(target: Target, events: list[str], body: bytes, seed: int = 0) -> None:
    """The reply streamed, then as a whole body, then as the body of an HTTP error status."""
    adapter = adapter_for(target)
    parser = adapter.parser(target)
    for data in events:
        assert parser.feed(None, data) in (NOTHING, REASONING, TEXT)
    _typed(parser.finish())
    parser = adapter.parser(target)
    parser.feed_body(body)
    _typed(parser.finish())
    headers = {"retry-after": RETRY_AFTER[seed % len(RETRY_AFTER)]}
    result = adapter.classify(target, 400 + seed % 200, body, headers)
    _typed(result)
    if isinstance(result, Failure) and result.retry_after is not None:
        assert 0 <= result.retry_after <= 120


def _fuzz(targets: list[Target], keys: tuple[str, ...], events: list[dict[str, Any]]) -> int:
    """The property over `targets` on 10,000 seeded replies; returns how many were checked."""
    seen: Counter[str] = Counter()

    @FUZZ
    @given(seed=st.integers(0, 2**64 - 1))
    def check(seed: int) -> None:  # one draw per example: Hypothesis's own cost is most of it
        seen["replies"] += 1
        target = targets[seed % len(targets)]
        reply = seeded_reply(seed, keys, events)
        try:
            _parse(target, *reply, seed)
        except BaseException:
            note(f"reply: {reply!r}")
            raise

    check()
    return seen["replies"]


def _shrinking(targets: list[Target], keys: tuple[str, ...], events: list[dict[str, Any]]) -> None:
    """The property on replies drawn through nested strategies, which shrink when it fails."""

    @settings(FUZZ, max_examples=SHRINKING)
    @given(target=st.sampled_from(targets), reply=replies(keys, events))
    @example(target=targets[0], reply=(['{"choices": ["x"]}', '{"delta": 5}'], b'{"usage": 1}'))
    @example(target=targets[0], reply=(["[" * 5000 + "]" * 5000], b"[" * 100_000))
    def check(target: Target, reply: tuple[list[str], bytes]) -> None:
        _parse(target, *reply)

    check()


@pytest.mark.parametrize(
    ("targets", "keys", "events"),
    [
        (OPENAI_TARGETS, OPENAI_KEYS, OPENAI_EVENTS),
        (ANTHROPIC_TARGETS, ANTHROPIC_KEYS, ANTHROPIC_EVENTS),
        (GEMINI_TARGETS, GEMINI_KEYS, GEMINI_EVENTS),
    ],
    ids=["openai_chat", "anthropic_messages", "gemini"],
)
def test_parser_never_raises(
    targets: list[Target], keys: tuple[str, ...], events: list[dict[str, Any]]
) -> None:
    assert _fuzz(targets, keys, events) >= EXAMPLES
    _shrinking(targets, keys, events)


# ------------------------------------------------------------------ the SSE decoder

SSE_LINES = ("", ":", ": keep-alive", "data:", "data: ", "event: error", "data: [DONE]",
             "data: ", "data: ", "event: ", "id: ", "retry: ", "data")  # fmt: skip
NEWLINES = (b"\n", b"\r\n", b"\n\n", b"\r")


def seeded_stream(seed: int) -> tuple[bytes, int]:
    """(bytes of a stream, where the network cut it in two) built from `seed`: random bytes,
    or SSE-like lines (fields, comments, blanks, JSON or junk values) under random newlines."""
    rng = random.Random(seed)
    if rng.random() < 0.3:
        stream = rng.randbytes(rng.randrange(120))
    else:
        lines = []
        for _ in range(rng.randrange(9)):
            value = "".join(rng.choice(CHARS) for _ in range(rng.randrange(10)))
            if rng.random() < 0.4:
                value = json.dumps(_json(rng, OPENAI_KEYS + ANTHROPIC_KEYS + GEMINI_KEYS))
            lines.append(rng.choice(SSE_LINES) + value)
        newline = rng.choice(NEWLINES)
        stream = newline.join(line.encode("utf-8", "surrogatepass") for line in lines)
    return stream, rng.randrange(len(stream) + 1)


ALL_TARGETS = [*OPENAI_TARGETS, *ANTHROPIC_TARGETS, *GEMINI_TARGETS]


def _decode(stream: bytes, cut: int) -> list[tuple[str | None, str]]:
    """Bytes → events as the HTTP layer turns them: two chunks split on b"\\n", each line
    decoded as UTF-8 with replacement, the pending tail and the decoder flushed at the end."""
    decoder = SSEDecoder()
    events: list[tuple[str | None, str] | None] = []
    pending = b""
    for chunk in (stream[:cut], stream[cut:]):
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for raw in lines:
            event = decoder.line(raw.rstrip(b"\r").decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
    if pending:
        events.append(decoder.line(pending.decode("utf-8", "replace")))
    events.append(decoder.flush())
    return [e for e in events if e is not None]


def test_sse_decoder_never_raises() -> None:
    """Random bytes and SSE-like lines through the decoder, and its events into a parser."""
    seen: Counter[str] = Counter()

    @FUZZ
    @given(seed=st.integers(0, 2**64 - 1))
    @example(seed=0)
    def check(seed: int) -> None:
        seen["streams"] += 1
        target = ALL_TARGETS[seed % len(ALL_TARGETS)]
        stream, cut = seeded_stream(seed)
        note(f"stream: {stream!r}, cut at {cut}")  # printed only for a failing example
        events = _decode(stream, cut)
        for event, data in events:
            assert (event is None or isinstance(event, str)) and isinstance(data, str)
        parser = adapter_for(target).parser(target)
        for event, data in events:
            parser.feed(event, data)
        _typed(parser.finish())

    check()
    assert seen["streams"] >= EXAMPLES


@settings(FUZZ, max_examples=500)
@given(lines=st.lists(st.text(alphabet=st.characters(exclude_categories=()), max_size=12)))
def test_sse_decoder_takes_any_text_line(lines: list[str]) -> None:
    """Any str (control characters and lone surrogates included) is a line it can take."""
    decoder = SSEDecoder()
    for line in lines:
        out = decoder.line(line)
        assert out is None or (isinstance(out, tuple) and isinstance(out[1], str))
    decoder.flush()
