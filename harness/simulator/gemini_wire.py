"""Rendering a simulated answer in the Gemini generateContent wire format.

Each streamed chunk is a whole GenerateContentResponse with `usageMetadata`; the last one
carries `finishReason`. A blocked prompt is one chunk with `promptFeedback.blockReason` and no
candidates, as in Google's shared SDK test data.
"""

from __future__ import annotations

import json
from typing import Any

from harness.simulator.behaviour import Script

BLOCK_PREFIX = "blockReason:"


def _data(obj: dict[str, Any]) -> bytes:
    return (
        b"data: "
        + json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        + b"\r\n\r\n"
    )


class GeminiRenderer:
    content_type = "text/event-stream"

    def __init__(self, rid: str, model: str, prompt_tokens: int) -> None:
        self.rid, self.model, self.prompt_tokens = rid, model, prompt_tokens

    def usage(self, script: Script, sent: int, final: bool) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "promptTokenCount": self.prompt_tokens,
            "totalTokenCount": self.prompt_tokens,
        }
        if final:
            meta["candidatesTokenCount"] = sent
            if script.reasoning:
                meta["thoughtsTokenCount"] = len(script.reasoning)
            meta["totalTokenCount"] = self.prompt_tokens + sent + len(script.reasoning)
        return meta

    @staticmethod
    def error_body(status: int, kind: str, message: str) -> dict[str, Any]:
        statuses = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
        return {
            "error": {"code": status, "message": message, "status": statuses.get(status, "UNKNOWN")}
        }

    def _response(
        self, parts: list[dict[str, Any]], finish: str | None, usage: dict[str, Any]
    ) -> dict:
        cand: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish is not None:
            cand["finishReason"] = finish
        return {
            "candidates": [cand],
            "usageMetadata": usage,
            "modelVersion": self.model,
            "responseId": self.rid,
        }

    def _blocked(self, finish: str) -> dict[str, Any]:
        return {
            "promptFeedback": {"blockReason": finish[len(BLOCK_PREFIX) :]},
            "usageMetadata": self.usage(Script("block"), 0, False),
            "modelVersion": self.model,
            "responseId": self.rid,
        }

    def chunks(self, script: Script, finish: str, error_event: str | None) -> list[bytes]:
        if finish.startswith(BLOCK_PREFIX):
            return [_data(self._blocked(finish))]
        early = self.usage(script, 0, False)
        out = [
            _data(self._response([{"text": t, "thought": True}], None, early))
            for t in script.reasoning
        ]
        texts = script.tokens or [""]
        for i, text in enumerate(texts):
            last = i == len(texts) - 1 and error_event is None
            usage = self.usage(script, len(script.tokens), True) if last else early
            out.append(_data(self._response([{"text": text}], finish if last else None, usage)))
        if error_event is not None:
            out.append(b"data: " + error_event.encode() + b"\r\n\r\n")
        return out

    def first_token_index(self, script: Script) -> int:
        """Every chunk carries tokens."""
        return 0

    def body(self, script: Script, finish: str) -> dict[str, Any]:
        if finish.startswith(BLOCK_PREFIX):
            return self._blocked(finish)
        parts = [{"text": "".join(script.reasoning), "thought": True}] if script.reasoning else []
        parts.append({"text": "".join(script.tokens)})
        return self._response(parts, finish, self.usage(script, len(script.tokens), True))


__all__ = ["GeminiRenderer"]
