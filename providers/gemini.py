"""The Gemini protocol (`{base}/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`).

Every streamed chunk is a whole GenerateContentResponse carrying `usageMetadata` (the last one
wins); the unstreamed body is one such response, so both go through `_take`. A blocked prompt
has no candidates and `promptFeedback.blockReason`; it is recorded as finish reason
`blockReason:<REASON>` so catalog signatures can name it. `candidatesTokenCount` excludes
thoughts, so output tokens are candidates + thoughts (inclusive convention).
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
from providers.outcome import AdapterBase, Gathered, as_count, as_reason, as_text, decide, odd

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
    """Chunks and whole bodies, every field type-checked as it is read (see outcome.py)."""

    __slots__ = ("_g", "_meta", "_reasoning", "_target", "_text")

    def __init__(self, target: Target) -> None:
        self._target = target
        self._g = Gathered()
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._meta: dict[str, Any] | None = None

    def _take(self, obj: Any) -> int:
        g = self._g
        if obj.__class__ is not dict:
            return odd(g, "the reply", obj)
        if "error" in obj:
            g.error = obj
            return NOTHING
        g.model_reported = as_text(obj.get("modelVersion")) or g.model_reported
        g.response_id = as_text(obj.get("responseId")) or g.response_id
        meta = obj.get("usageMetadata")
        if meta and meta.__class__ is dict:  # usage of another shape: not reported
            self._meta = meta
        feedback = obj.get("promptFeedback")
        if feedback is not None:
            if feedback.__class__ is not dict:
                return odd(g, "promptFeedback", feedback)
            block = feedback.get("blockReason")
            if block:
                g.finish_reason = BLOCK_PREFIX + (
                    as_reason(g, "promptFeedback.blockReason", block) or ""
                )
                g.complete = True
        cands = obj.get("candidates")
        if cands.__class__ is not list:
            return NOTHING if cands is None else odd(g, "candidates", cands)
        return self._candidate(cands[0]) if cands else NOTHING

    def _candidate(self, cand: Any) -> int:
        g = self._g
        if cand.__class__ is not dict:
            return odd(g, "candidates[0]", cand)
        kind = NOTHING
        content = cand.get("content")
        if content is not None:
            if content.__class__ is not dict:
                return odd(g, "candidates[0].content", content)
            parts = content.get("parts")
            if parts.__class__ is list:
                kind = self._parts(parts)
            elif parts is not None:
                return odd(g, "candidates[0].content.parts", parts)
        finish = cand.get("finishReason")
        if finish:
            if finish.__class__ is not str:
                finish = as_reason(g, "candidates[0].finishReason", finish)
            g.finish_reason = finish
            g.complete = True
        return kind

    def _parts(self, parts: list[Any]) -> int:
        kind = NOTHING
        for part in parts:
            if part.__class__ is not dict:
                return odd(self._g, "a content part", part)
            text = part.get("text")
            if text.__class__ is not str:
                if text is not None:
                    return odd(self._g, "a content part's text", text)
                continue
            if not text:
                continue
            if part.get("thought"):
                self._reasoning.append(text)
                kind = kind or REASONING
            else:
                self._text.append(text)
                kind = TEXT
        return kind

    def feed(self, event: str | None, data: str) -> int:
        try:
            obj = wirejson.loads(data)
        except (ValueError, RecursionError):
            self._g.error = {"message": f"unparseable stream event: {data[:200]}"}
            return NOTHING
        return self._take(obj)

    def feed_body(self, body: bytes) -> None:
        try:
            obj = wirejson.loads(body)
        except (ValueError, RecursionError):
            self._g.error = {"message": f"unparseable body: {body[:200]!r}"}
            return
        self._take(obj)

    def finish(self) -> Answer | Failure:
        g = self._g
        g.text = "".join(self._text)
        g.reasoning = "".join(self._reasoning)
        m = self._meta
        if m:
            thoughts = as_count(m.get("thoughtsTokenCount"))
            cands = as_count(m.get("candidatesTokenCount"))
            g.usage = Usage(
                input_tokens=as_count(m.get("promptTokenCount")),
                output_tokens=None
                if cands is None and thoughts is None
                else as_count((cands or 0) + (thoughts or 0)),
                reasoning_tokens=thoughts,
                cached_tokens=as_count(m.get("cachedContentTokenCount")),
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
