"""The Anthropic Messages protocol (`POST {base}/v1/messages`).

Spoken by Anthropic and by the Anthropic-compatible second endpoints some vendors offer.
Stream events and the unstreamed body's content blocks go through the same handlers.
Usage is normalised to the inclusive convention: Anthropic's `input_tokens` excludes cache
reads and writes, so they are added back; `message_delta.usage` is cumulative.
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

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
"""The protocol requires max_tokens; used when a suite sets none."""
SAMPLING = {"temperature": "temperature", "top_p": "top_p", "stop": "stop_sequences"}
"""Suite params → Messages fields (max_tokens is required and set apart)."""
TRUNCATING = frozenset({"max_tokens", "model_context_window_exceeded"})


class AnthropicParser:
    """Events and whole bodies, every field type-checked as it is read (see outcome.py)."""

    __slots__ = ("_g", "_reasoning", "_target", "_text", "_usage")

    def __init__(self, target: Target) -> None:
        self._target = target
        self._g = Gathered()
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._usage: dict[str, Any] = {}

    def _message(self, msg: Any) -> None:
        g = self._g
        if msg.__class__ is not dict:
            if msg is not None:
                odd(g, "message", msg)
            return
        g.response_id = as_text(msg.get("id"))
        g.model_reported = as_text(msg.get("model"))
        self._add_usage(msg.get("usage"))
        self._stop(msg.get("stop_reason"))

    def _stop(self, reason: Any) -> None:
        if reason:
            if reason.__class__ is not str:
                reason = as_reason(self._g, "stop_reason", reason)
            self._g.finish_reason = reason

    def _add_usage(self, usage: Any) -> None:
        if usage and usage.__class__ is dict:  # usage of another shape: not reported
            self._usage.update(usage)

    def _block(self, block: Any, where: str) -> int:
        if block.__class__ is not dict:
            return NOTHING if block is None else odd(self._g, where, block)
        kind = block.get("type")
        if kind == "text" or kind == "text_delta":
            name, out, into = "text", TEXT, self._text
        elif kind == "thinking" or kind == "thinking_delta":
            name, out, into = "thinking", REASONING, self._reasoning
        else:
            return NOTHING
        value = block.get(name)
        if value.__class__ is str:
            if not value:
                return NOTHING
            into.append(value)
            return out
        return NOTHING if value is None else odd(self._g, f"{where}.{name}", value)

    def feed(self, event: str | None, data: str) -> int:
        try:
            obj = wirejson.loads(data)
        except (ValueError, RecursionError):
            self._g.error = {"message": f"unparseable stream event: {data[:200]}"}
            return NOTHING
        if obj.__class__ is not dict:
            return odd(self._g, "an event", obj)
        kind = obj.get("type")
        if kind == "content_block_delta":
            return self._block(obj.get("delta"), "content_block_delta.delta")
        if kind == "content_block_start":
            return self._block(obj.get("content_block"), "content_block_start.content_block")
        if kind == "message_start":
            self._message(obj.get("message"))
        elif kind == "message_delta":
            delta = obj.get("delta")
            if delta.__class__ is dict:
                self._stop(delta.get("stop_reason"))
            elif delta is not None:
                odd(self._g, "message_delta.delta", delta)
            self._add_usage(obj.get("usage"))
        elif kind == "message_stop":
            self._g.complete = True
        elif kind == "error":
            self._g.error = obj
        return NOTHING

    def feed_body(self, body: bytes) -> None:
        g = self._g
        try:
            obj = wirejson.loads(body)
        except (ValueError, RecursionError):
            g.error = {"message": f"unparseable body: {body[:200]!r}"}
            return
        if obj.__class__ is not dict:
            odd(g, "the reply", obj)
            return
        if obj.get("type") != "message":
            g.error = obj  # an error envelope, matched against the catalog's signatures
            return
        self._message(obj)
        content = obj.get("content")
        if content.__class__ is list:
            for block in content:
                self._block(block, "content[]")
        elif content is not None:
            odd(g, "content", content)
        g.complete = True

    def finish(self) -> Answer | Failure:
        g = self._g
        g.text = "".join(self._text)
        g.reasoning = "".join(self._reasoning)
        u = self._usage
        if u:
            base = as_count(u.get("input_tokens"))
            read = as_count(u.get("cache_read_input_tokens"))
            write = as_count(u.get("cache_creation_input_tokens"))
            g.usage = Usage(
                input_tokens=None if base is None else as_count(base + (read or 0) + (write or 0)),
                output_tokens=as_count(u.get("output_tokens")),
                reasoning_tokens=as_count(
                    as_object(u.get("output_tokens_details")).get("thinking_tokens")
                ),
                cached_tokens=read,
            )
        g.truncated = g.finish_reason in TRUNCATING
        return decide(self._target.vendor, g, self._target.protocol)


class AnthropicMessagesAdapter(AdapterBase):
    protocol = "anthropic_messages"
    parser_class = AnthropicParser

    def build(self, target: Target, messages: list[dict[str, str]], params: Params) -> WireRequest:
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        body: dict[str, Any] = {
            "model": target.model,
            "max_tokens": params.max_tokens or DEFAULT_MAX_TOKENS,
            "messages": [m for m in messages if m["role"] != "system"],
        }
        if system:
            body["system"] = system
        fields, dropped = sampling_fields(params, SAMPLING, target.vendor.quirks.drop_params)
        body.update(fields)
        if params.seed is not None:
            dropped += ("seed",)  # the protocol has no seed
        body.update(params.extra)
        if params.stream:
            body["stream"] = True
        headers = {
            "content-type": "application/json",
            "anthropic-version": API_VERSION,
            **target.vendor.headers,
            **auth_headers(target, "x-api-key"),
        }
        return WireRequest(
            "POST",
            target.base_url.rstrip("/") + "/v1/messages",
            headers,
            body,
            params.stream,
            dropped,
        )


__all__ = ["AnthropicMessagesAdapter", "AnthropicParser"]
