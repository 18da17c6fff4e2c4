"""Rendering a simulated answer in the OpenAI chat-completions wire format.

Shapes follow the vendors' own bytes (shared/fixtures): a role chunk first, content deltas,
a finish chunk, then an `include_usage` chunk with empty choices, then `data: [DONE]`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from harness.simulator.behaviour import Script


def _dump(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


class OpenAIChatRenderer:
    def __init__(self, rid: str, model: str, reasoning_field: str, prompt_tokens: int) -> None:
        self.base = {
            "id": rid,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_sim",
        }
        self.reasoning_field = reasoning_field
        self.prompt_tokens = prompt_tokens

    def usage(self, script: Script, sent: int) -> dict[str, int]:
        reasoning = len(script.reasoning)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": sent + reasoning,
            "total_tokens": self.prompt_tokens + sent + reasoning,
            "completion_tokens_details": {"reasoning_tokens": reasoning},
            "prompt_tokens_details": {"cached_tokens": 0},
        }

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _dump(
            {
                **self.base,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
        )

    def role(self) -> bytes:
        return self.chunk({"role": "assistant", "content": ""})

    def reasoning(self, token: str) -> bytes:
        return self.chunk({"content": None, self.reasoning_field: token})

    def content(self, token: str) -> bytes:
        return self.chunk({"content": token})

    def finish(self, reason: str) -> bytes:
        return self.chunk({}, reason)

    def usage_chunk(self, script: Script, sent: int) -> bytes:
        return _dump({**self.base, "choices": [], "usage": self.usage(script, sent)})

    @staticmethod
    def error_event(body: str) -> bytes:
        return b"data: " + body.encode() + b"\n\n"

    done = b"data: [DONE]\n\n"

    def body(self, script: Script, finish: str) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(script.tokens)}
        if script.reasoning:
            message[self.reasoning_field] = "".join(script.reasoning)
        return {
            **self.base,
            "object": "chat.completion",
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            ],
            "usage": self.usage(script, len(script.tokens)),
        }


__all__ = ["OpenAIChatRenderer"]
