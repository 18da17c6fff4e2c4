"""The OpenAI chat-completions protocol (`POST {base}/chat/completions`).

Spoken by OpenAI and by most Chinese vendors, aggregators and local servers; what differs
between them is catalog data (quirks and moderation signatures), never a branch on a vendor.
Streamed chunks and unstreamed bodies go through the same `_take` so both paths agree.
"""

from __future__ import annotations

from typing import Any

from providers import wirejson
from providers.base import (
    NOTHING,
    REASONING,
    TEXT,
    Answer,
    Failure,
    Params,
    Target,
    Usage,
    WireRequest,
    auth_headers,
    sampling_fields,
)
from providers.outcome import (
    AdapterBase,
    Gathered,
    as_count,
    as_object,
    as_reason,
    as_text,
    decide,
    odd,
)
from providers.reasoning import CLOSE, OPEN, split_reasoning

SAMPLING = {
    "temperature": "temperature",
    "top_p": "top_p",
    "max_tokens": "max_tokens",
    "seed": "seed",
    "stop": "stop",
}
"""Suite params → chat-completions fields; max_tokens is renamed by the vendor's quirk."""


def _usage(raw: dict[str, Any] | None) -> Usage:
    """Normalise the usage variants (OpenAI details, DeepSeek cache fields, Moonshot top-level)."""
    if not raw:
        return Usage()
    cached = as_count(as_object(raw.get("prompt_tokens_details")).get("cached_tokens"))
    if cached is None:
        cached = as_count(raw.get("prompt_cache_hit_tokens", raw.get("cached_tokens")))
    return Usage(
        input_tokens=as_count(raw.get("prompt_tokens")),
        output_tokens=as_count(raw.get("completion_tokens")),
        reasoning_tokens=as_count(
            as_object(raw.get("completion_tokens_details")).get("reasoning_tokens")
        ),
        cached_tokens=cached,
    )


def _base_resp_error(obj: dict[str, Any]) -> bool:
    """Some compatible servers answer HTTP 200 with a `base_resp` status envelope instead."""
    resp = obj.get("base_resp")
    return isinstance(resp, dict) and resp.get("status_code") not in (None, 0)


class _ThinkTracker:
    """Is streamed answer text still inside a leading `<think>` block? Decided chunk by chunk
    from the first seven non-blank characters and a short tail, never by re-joining the text."""

    __slots__ = ("_head", "_tail", "state")

    def __init__(self) -> None:
        self._head = ""
        self._tail = ""
        self.state = "unknown"  # unknown → open → done, or unknown → done

    def inside(self, chunk: str) -> bool:
        if self.state == "done":
            return False
        if self.state == "unknown":
            self._head = (self._head + chunk).lstrip()
            if len(self._head) < len(OPEN):
                return False
            if not self._head.startswith(OPEN):
                self.state = "done"
                return False
            self.state, chunk = "open", self._head
        window = self._tail + chunk
        if CLOSE in window:
            self.state = "done"
            return False
        self._tail = window[-len(CLOSE) :]
        return True


class OpenAIChatParser:
    """Chunks (`delta`) and whole bodies (`message`) go through the same `_take`."""

    __slots__ = ("_fields", "_first", "_g", "_reasoning", "_target", "_text", "_think", "_usage")

    _think: _ThinkTracker | None

    def __init__(self, target: Target) -> None:
        self._target = target
        self._fields = target.vendor.quirks.reasoning_fields
        self._think = _ThinkTracker() if target.vendor.quirks.think_tags else None
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._usage: dict[str, Any] | None = None
        self._first = True
        self._g = Gathered()

    def feed(self, event: str | None, data: str) -> int:
        if data == "[DONE]":
            self._g.complete = True
            return NOTHING
        try:
            obj = wirejson.loads(data)
        except (ValueError, RecursionError):
            self._g.error = {"message": f"unparseable stream event: {data[:200]}"}
            return NOTHING
        return self._take(obj, "delta")

    def feed_body(self, body: bytes) -> None:
        try:
            obj = wirejson.loads(body)
        except (ValueError, RecursionError):
            self._g.error = {"message": f"unparseable body: {body[:200]!r}"}
            return
        self._take(obj, "message")
        self._g.complete = True

    def _take(self, obj: Any, part: str) -> int:
        """One chunk or body; every field is type-checked as it is read (see outcome.py)."""
        g = self._g
        if obj.__class__ is not dict:
            return odd(g, "the reply", obj)
        if "error" in obj or obj.get("object") == "error" or _base_resp_error(obj):
            g.error = obj
            return NOTHING
        if self._first:
            self._first = False
            g.model_reported = as_text(obj.get("model"))
            g.response_id = as_text(obj.get("id"))
            g.upstream_provider = as_text(obj.get("provider"))
        if not g.system_fingerprint and obj.get("system_fingerprint"):
            g.system_fingerprint = as_text(obj["system_fingerprint"])
        usage = obj.get("usage")
        if usage and usage.__class__ is dict:  # usage of another shape: not reported
            self._usage = usage
        choices = obj.get("choices")
        if choices.__class__ is not list:
            return NOTHING if choices is None else odd(g, "choices", choices)
        if not choices:
            return NOTHING
        choice = choices[0]
        if choice.__class__ is not dict:
            return odd(g, "choices[0]", choice)
        delta = choice.get(part)
        kind = NOTHING
        if delta is not None:
            if delta.__class__ is not dict:
                return odd(g, f"choices[0].{part}", delta)
            kind = self._delta(delta, part)
        finish = choice.get("finish_reason")
        if finish:
            if finish.__class__ is not str:
                finish = as_reason(g, "choices[0].finish_reason", finish)
            g.finish_reason = finish
            g.complete = True  # a finish chunk ends the answer even if [DONE] is lost
        usage = choice.get("usage")
        if usage and usage.__class__ is dict:
            self._usage = usage
        return kind

    def _delta(self, delta: dict[str, Any], part: str) -> int:
        """The text, refusal and reasoning of one delta (or a whole body's message)."""
        kind = NOTHING
        content = delta.get("content")
        if content:
            if content.__class__ is not str:
                return odd(self._g, f"choices[0].{part}.content", content)
            self._text.append(content)
            kind = REASONING if self._think and self._think.inside(content) else TEXT
        elif content is not None and content != "":
            return odd(self._g, f"choices[0].{part}.content", content)
        refusal = delta.get("refusal")
        if refusal:
            if refusal.__class__ is not str:
                return odd(self._g, f"choices[0].{part}.refusal", refusal)
            self._text.append(refusal)
            kind = TEXT
        elif refusal is not None and refusal != "":
            return odd(self._g, f"choices[0].{part}.refusal", refusal)
        for name in self._fields:
            reasoning = delta.get(name)
            if reasoning:
                if reasoning.__class__ is not str:
                    return odd(self._g, f"choices[0].{part}.{name}", reasoning)
                self._reasoning.append(reasoning)
                return kind or REASONING
            if reasoning is not None and reasoning != "":
                return odd(self._g, f"choices[0].{part}.{name}", reasoning)
        return kind

    def finish(self) -> Answer | Failure:
        g = self._g
        g.text = "".join(self._text)
        g.reasoning = "".join(self._reasoning)
        if self._think is not None:
            inline, g.text = split_reasoning(g.text)
            g.reasoning = g.reasoning or inline
        g.usage = _usage(self._usage)
        g.truncated = g.finish_reason == "length"
        return decide(self._target.vendor, g, self._target.protocol)


class OpenAIChatAdapter(AdapterBase):
    protocol = "openai_chat"
    parser_class = OpenAIChatParser

    def build(self, target: Target, messages: list[dict[str, str]], params: Params) -> WireRequest:
        quirks = target.vendor.quirks
        body: dict[str, Any] = {"model": target.model, "messages": messages}
        names = {**SAMPLING, "max_tokens": quirks.max_tokens_param}
        fields, dropped = sampling_fields(params, names, quirks.drop_params)
        body.update(fields)
        body.update(params.extra)
        if params.stream:
            body["stream"] = True
            if quirks.stream_usage:
                body["stream_options"] = {"include_usage": True}
        headers = {
            "content-type": "application/json",
            **target.vendor.headers,
            **auth_headers(target, "bearer"),
        }
        return WireRequest(
            method="POST",
            url=target.base_url.rstrip("/") + "/chat/completions",
            headers=headers,
            json=body,
            stream=params.stream,
            dropped_params=dropped,
        )


__all__ = ["OpenAIChatAdapter", "OpenAIChatParser"]
