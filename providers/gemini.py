"""The Gemini protocol (`{base}/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`).

Every streamed chunk is a whole GenerateContentResponse carrying `usageMetadata` (the last one
wins); the unstreamed body is one such response, so both go through `_take`. A blocked prompt
has no candidates and `promptFeedback.blockReason`; it is recorded as finish reason
`blockReason:<REASON>` so catalog signatures can name it. `candidatesTokenCount` excludes
thoughts, so output tokens are candidates + thoughts (inclusive convention).
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

BLOCK_PREFIX = "blockReason:"
SAMPLING = {
    "temperature": "temperature",
    "top_p": "topP",
    "max_tokens": "maxOutputTokens",
    "seed": "seed",
    "stop": "stopSequences",
}
"""Suite params → generationConfig fields."""


class GeminiParser:
    __slots__ = ("_g", "_meta", "_reasoning", "_target", "_text")

    def __init__(self, target: Target) -> None:
        self._target = target
        self._g = Gathered()
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._meta: dict[str, Any] | None = None

    def _take(self, obj: Any) -> int:
        g = self._g
        if not isinstance(obj, dict):
            g.error = {"message": f"unexpected JSON: {str(obj)[:200]}"}
            return NOTHING
        if "error" in obj:
            g.error = obj
            return NOTHING
        g.model_reported = obj.get("modelVersion") or g.model_reported
        g.response_id = obj.get("responseId") or g.response_id
        if obj.get("usageMetadata"):
            self._meta = obj["usageMetadata"]
        block = (obj.get("promptFeedback") or {}).get("blockReason")
        if block:
            g.finish_reason = BLOCK_PREFIX + block
            g.complete = True
        kind = NOTHING
        for cand in (obj.get("candidates") or [])[:1]:
            for part in (cand.get("content") or {}).get("parts") or []:
                text = part.get("text")
                if not text:
                    continue
                if part.get("thought"):
                    self._reasoning.append(text)
                    kind = kind or REASONING
                else:
                    self._text.append(text)
                    kind = TEXT
            if cand.get("finishReason"):
                g.finish_reason = cand["finishReason"]
                g.complete = True
        return kind

    def feed(self, event: str | None, data: str) -> int:
        try:
            return self._take(json.loads(data))
        except ValueError:
            self._g.error = {"message": f"unparseable stream event: {data[:200]}"}
            return NOTHING

    def feed_body(self, body: bytes) -> None:
        try:
            self._take(json.loads(body))
        except ValueError:
            self._g.error = {"message": f"unparseable body: {body[:200]!r}"}

    def finish(self) -> Answer | Failure:
        g = self._g
        g.text = "".join(self._text)
        g.reasoning = "".join(self._reasoning)
        m = self._meta
        if m:
            thoughts = m.get("thoughtsTokenCount")
            cands = m.get("candidatesTokenCount")
            g.usage = Usage(
                input_tokens=m.get("promptTokenCount"),
                output_tokens=None
                if cands is None and thoughts is None
                else (cands or 0) + (thoughts or 0),
                reasoning_tokens=thoughts,
                cached_tokens=m.get("cachedContentTokenCount"),
            )
        g.truncated = g.finish_reason == "MAX_TOKENS"
        return decide(self._target.vendor, g, self._target.protocol)


class GeminiAdapter(AdapterBase):
    protocol = "gemini"
    parser_class = GeminiParser

    def build(self, target: Target, messages: list[dict[str, str]], params: Params) -> WireRequest:
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        contents = [
            {
                "role": "model" if m["role"] == "assistant" else "user",
                "parts": [{"text": m["content"]}],
            }
            for m in messages
            if m["role"] != "system"
        ]
        body: dict[str, Any] = {"contents": contents}
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        config, dropped = sampling_fields(params, SAMPLING, target.vendor.quirks.drop_params)
        if config:
            body["generationConfig"] = config
        body.update(params.extra)
        base = target.base_url.rstrip("/")
        verb = "streamGenerateContent?alt=sse" if params.stream else "generateContent"
        headers = {
            "content-type": "application/json",
            **target.vendor.headers,
            **auth_headers(target, "x-goog-api-key"),
        }
        return WireRequest(
            "POST",
            f"{base}/models/{target.model}:{verb}",
            headers,
            body,
            params.stream,
            dropped,
        )


__all__ = ["BLOCK_PREFIX", "GeminiAdapter", "GeminiParser"]
