"""The Anthropic Messages protocol (`POST {base}/v1/messages`).

Spoken by Anthropic and by the Anthropic-compatible second endpoints some vendors offer.
Stream events and the unstreamed body's content blocks go through the same handlers.
Usage is normalised to the inclusive convention: Anthropic's `input_tokens` excludes cache
reads and writes, so they are added back; `message_delta.usage` is cumulative.
"""

from __future__ import annotations

import json
from typing import Any

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
from providers.outcome import AdapterBase, Gathered, decide

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
"""The protocol requires max_tokens; used when a suite sets none."""
SAMPLING = {"temperature": "temperature", "top_p": "top_p", "stop": "stop_sequences"}
"""Suite params → Messages fields (max_tokens is required and set apart)."""
TRUNCATING = frozenset({"max_tokens", "model_context_window_exceeded"})


class AnthropicParser:
    __slots__ = ("_g", "_reasoning", "_target", "_text", "_usage")

    def __init__(self, target: Target) -> None:
        self._target = target
        self._g = Gathered()
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._usage: dict[str, Any] = {}

    def _message(self, msg: dict[str, Any]) -> None:
        g = self._g
        g.response_id = msg.get("id")
        g.model_reported = msg.get("model")
        self._usage.update(msg.get("usage") or {})
        if msg.get("stop_reason"):
            g.finish_reason = msg["stop_reason"]

    def _block(self, block: dict[str, Any]) -> int:
        kind = block.get("type")
        if kind in ("text", "text_delta") and block.get("text"):
            self._text.append(block["text"])
            return TEXT
        if kind in ("thinking", "thinking_delta") and block.get("thinking"):
            self._reasoning.append(block["thinking"])
            return REASONING
        return NOTHING

    def feed(self, event: str | None, data: str) -> int:
        try:
            obj = json.loads(data)
        except ValueError:
            self._g.error = {"message": f"unparseable stream event: {data[:200]}"}
            return NOTHING
        kind = obj.get("type") if isinstance(obj, dict) else None
        if kind == "content_block_delta":
            return self._block(obj.get("delta") or {})
        if kind == "content_block_start":
            return self._block(obj.get("content_block") or {})
        if kind == "message_start":
            self._message(obj.get("message") or {})
        elif kind == "message_delta":
            delta = obj.get("delta") or {}
            if delta.get("stop_reason"):
                self._g.finish_reason = delta["stop_reason"]
            self._usage.update(obj.get("usage") or {})
        elif kind == "message_stop":
            self._g.complete = True
        elif kind == "error":
            self._g.error = obj
        return NOTHING

    def feed_body(self, body: bytes) -> None:
        try:
            obj = json.loads(body)
        except ValueError:
            self._g.error = {"message": f"unparseable body: {body[:200]!r}"}
            return
        if not isinstance(obj, dict) or obj.get("type") != "message":
            self._g.error = obj if isinstance(obj, dict) else {"message": str(obj)[:200]}
            return
        self._message(obj)
        for block in obj.get("content") or []:
            self._block(block)
        self._g.complete = True

    def finish(self) -> Answer | Failure:
        g = self._g
        g.text = "".join(self._text)
        g.reasoning = "".join(self._reasoning)
        u = self._usage
        if u:
            base = u.get("input_tokens")
            read = u.get("cache_read_input_tokens") or 0
            write = u.get("cache_creation_input_tokens") or 0
            details = u.get("output_tokens_details") or {}
            g.usage = Usage(
                input_tokens=None if base is None else base + read + write,
                output_tokens=u.get("output_tokens"),
                reasoning_tokens=details.get("thinking_tokens"),
                cached_tokens=u.get("cache_read_input_tokens"),
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
