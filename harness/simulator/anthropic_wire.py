"""Rendering a simulated answer in the Anthropic Messages wire format.

The event sequence follows Anthropic's own SDK fixture: message_start (with usage),
content_block_start, ping, content_block_delta..., content_block_stop, message_delta
(stop_reason and cumulative usage), message_stop.
"""

from __future__ import annotations

import json
from typing import Any

from harness.simulator.behaviour import Script


def _event(name: str, obj: dict[str, Any]) -> bytes:
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return f"event: {name}\ndata: {data}\n\n".encode()


def _block(index: int, empty: dict, kind: str, pieces: list[str]) -> list[bytes]:
    """A content block's start event and one delta per piece (`text` or `thinking`)."""
    start = {"type": "content_block_start", "index": index, "content_block": empty}
    return [_event("content_block_start", start)] + [
        _event(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": f"{kind}_delta", kind: p},
            },
        )
        for p in pieces
    ]


class AnthropicRenderer:
    content_type = "text/event-stream"

    def __init__(self, rid: str, model: str, prompt_tokens: int) -> None:
        self.rid, self.model, self.prompt_tokens = rid, model, prompt_tokens

    def usage(self, script: Script, sent: int) -> dict[str, int]:
        return {
            "input_tokens": self.prompt_tokens,
            "output_tokens": sent + len(script.reasoning),
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 0,
        }

    @staticmethod
    def error_body(status: int, kind: str, message: str) -> dict[str, Any]:
        kinds = {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}
        return {"type": "error", "error": {"type": kinds.get(status, kind), "message": message}}

    def chunks(self, script: Script, finish: str, error_event: str | None) -> list[bytes]:
        start = {
            "type": "message_start",
            "message": {
                "id": self.rid,
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": self.model,
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": self.prompt_tokens, "output_tokens": 1},
            },
        }
        out = [_event("message_start", start)]
        index = 0
        if script.reasoning:
            out += _block(0, {"type": "thinking", "thinking": ""}, "thinking", script.reasoning)
            out.append(_event("content_block_stop", {"type": "content_block_stop", "index": 0}))
            index = 1
        text = _block(index, {"type": "text", "text": ""}, "text", script.tokens)
        out += [text[0], _event("ping", {"type": "ping"}), *text[1:]]
        if error_event is not None:
            out.append(b"event: error\ndata: " + error_event.encode() + b"\n\n")
            return out
        out.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": finish, "stop_sequence": None},
            "usage": self.usage(script, len(script.tokens)),
        }
        out.append(_event("message_delta", delta))
        out.append(_event("message_stop", {"type": "message_stop"}))
        return out

    def first_token_index(self, script: Script) -> int:
        """Events before the first token: message_start, content_block_start (+ ping)."""
        return 2 if script.reasoning else 3

    def body(self, script: Script, finish: str) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if script.reasoning:
            content.append(
                {"type": "thinking", "thinking": "".join(script.reasoning), "signature": "sim"}
            )
        content.append({"type": "text", "text": "".join(script.tokens)})
        return {
            "id": self.rid,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": content,
            "stop_reason": finish,
            "stop_sequence": None,
            "usage": self.usage(script, len(script.tokens)),
        }


__all__ = ["AnthropicRenderer"]
