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
    content_type = "text/event-stream"

    def __init__(
        self, rid: str, model: str, prompt_tokens: int, reasoning_field: str, include_usage: bool
    ) -> None:
        self.base = {
            "id": rid,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_sim",
        }
        self.prompt_tokens = prompt_tokens
        self.reasoning_field = reasoning_field
        self.include_usage = include_usage

    def usage(self, script: Script, sent: int) -> dict[str, Any]:
        reasoning = len(script.reasoning)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": sent + reasoning,
            "total_tokens": self.prompt_tokens + sent + reasoning,
            "completion_tokens_details": {"reasoning_tokens": reasoning},
            "prompt_tokens_details": {"cached_tokens": 0},
        }

    @staticmethod
    def error_body(status: int, kind: str, message: str) -> dict[str, Any]:
        return {"error": {"message": message, "type": kind, "param": None, "code": kind}}

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _dump(
            {
                **self.base,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
        )

    def chunks(self, script: Script, finish: str, error_event: str | None) -> list[bytes]:
        out = [self._chunk({"role": "assistant", "content": ""})]
        out += [self._chunk({"content": None, self.reasoning_field: t}) for t in script.reasoning]
        out += [self._chunk({"content": t}) for t in script.tokens]
        if error_event is not None:
            out.append(b"data: " + error_event.encode() + b"\n\n")
        else:
            out.append(self._chunk({}, finish))
        if self.include_usage:
            out.append(
                _dump({**self.base, "choices": [], "usage": self.usage(script, len(script.tokens))})
            )
        out.append(b"data: [DONE]\n\n")
        return out

    def first_token_index(self, script: Script) -> int:
        """Chunks before the first token: the role chunk."""
        return 1

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
