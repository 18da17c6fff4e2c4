"""The OpenAI chat-completions protocol (`POST {base}/chat/completions`).

Spoken by OpenAI and by most Chinese vendors, aggregators and local servers; what differs
between them is catalog data (quirks and moderation signatures), never a branch on a vendor.
Streamed chunks and unstreamed bodies go through the same `_take` so both paths agree.
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
)
from providers.moderation import match_error, match_finish
from providers.status import failure_for_status


def _usage(raw: dict[str, Any] | None) -> Usage:
    """Normalise the usage variants (OpenAI details, DeepSeek cache fields, Moonshot top-level)."""
    if not raw:
        return Usage()
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    cached = prompt_details.get("cached_tokens")
    if cached is None:
        cached = raw.get("prompt_cache_hit_tokens", raw.get("cached_tokens"))
    return Usage(
        input_tokens=raw.get("prompt_tokens"),
        output_tokens=raw.get("completion_tokens"),
        reasoning_tokens=completion_details.get("reasoning_tokens"),
        cached_tokens=cached,
    )


def _split_think(text: str) -> tuple[str, str]:
    """Separate a leading `<think>…</think>` block (vendors with the think_tags quirk)."""
    head = text.lstrip()
    if not head.startswith("<think>"):
        return "", text
    end = head.find("</think>")
    if end < 0:
        return head[len("<think>") :], ""
    return head[len("<think>") : end].strip(), head[end + len("</think>") :].lstrip()


class OpenAIChatParser:
    __slots__ = (
        "_done",
        "_error",
        "_fields",
        "_finish",
        "_first",
        "_meta",
        "_reasoning",
        "_target",
        "_text",
        "_think",
        "_usage",
    )

    def __init__(self, target: Target) -> None:
        self._target = target
        self._fields = target.vendor.quirks.reasoning_fields
        self._think = target.vendor.quirks.think_tags
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._finish: str | None = None
        self._usage: dict[str, Any] | None = None
        self._error: dict[str, Any] | None = None
        self._done = False
        self._first = True
        self._meta: dict[str, Any] = {}

    def feed(self, event: str | None, data: str) -> int:
        if data == "[DONE]":
            self._done = True
            return NOTHING
        try:
            obj = json.loads(data)
        except ValueError:
            self._error = {"message": f"unparseable stream event: {data[:200]}"}
            return NOTHING
        return self._take(obj, "delta")

    def feed_body(self, body: bytes) -> None:
        try:
            obj = json.loads(body)
        except ValueError:
            self._error = {"message": f"unparseable body: {body[:200]!r}"}
            return
        self._take(obj, "message")
        self._done = True

    def _take(self, obj: Any, part: str) -> int:
        if not isinstance(obj, dict):
            self._error = {"message": f"unexpected JSON: {str(obj)[:200]}"}
            return NOTHING
        if "error" in obj or obj.get("object") == "error":
            self._error = obj
            return NOTHING
        if self._first:
            self._first = False
            self._meta = {
                "model": obj.get("model"),
                "id": obj.get("id"),
                "fp": obj.get("system_fingerprint"),
                "provider": obj.get("provider"),
            }
        elif obj.get("system_fingerprint") and not self._meta.get("fp"):
            self._meta["fp"] = obj["system_fingerprint"]
        usage = obj.get("usage")
        if usage:
            self._usage = usage
        choices = obj.get("choices")
        if not choices:
            return NOTHING
        choice = choices[0]
        kind = NOTHING
        delta = choice.get(part)
        if delta:
            content = delta.get("content")
            if content:
                self._text.append(content)
                kind = TEXT
                if self._think and self._in_think():
                    kind = REASONING
            refusal = delta.get("refusal")
            if refusal:
                self._text.append(refusal)
                kind = TEXT
            for name in self._fields:
                reasoning = delta.get(name)
                if reasoning:
                    self._reasoning.append(reasoning)
                    kind = kind or REASONING
                    break
        finish = choice.get("finish_reason")
        if finish:
            self._finish = finish
        if choice.get("usage"):
            self._usage = choice["usage"]
        return kind

    def _in_think(self) -> bool:
        joined = "".join(self._text).lstrip()
        return joined.startswith("<think>") and "</think>" not in joined

    def finish(self) -> Answer | Failure:
        text = "".join(self._text)
        reasoning = "".join(self._reasoning)
        if self._think:
            inline, text = _split_think(text)
            reasoning = reasoning or inline
        vendor = self._target.vendor
        if self._error is not None:
            body = json.dumps(self._error, ensure_ascii=False)
            sig = match_error(vendor, None, self._error)
            if sig is None:
                return Failure("stream_error", f"error event: {body[:300]}", body=body)
            return self._answer(
                "withdrawn" if text else "api_block", text, reasoning, sig.name, body
            )
        sig = match_finish(vendor, self._finish)
        if sig is not None:
            return self._answer(
                "withdrawn" if text.strip() else "api_block", text, reasoning, sig.name
            )
        if not self._done and self._finish is None:
            return Failure("dropped", f"stream ended early after {len(text)} characters")
        if self._finish == "length":
            outcome = "truncated"
        elif not text.strip():
            outcome = "empty"
        else:
            outcome = "ok"
        return self._answer(outcome, text, reasoning)

    def _answer(
        self,
        outcome: Any,
        text: str,
        reasoning: str,
        block: str | None = None,
        error_body: str | None = None,
    ) -> Answer:
        meta = self._meta
        return Answer(
            outcome=outcome,
            text=text,
            reasoning=reasoning,
            finish_reason=self._finish,
            usage=_usage(self._usage),
            model_reported=meta.get("model"),
            response_id=meta.get("id"),
            system_fingerprint=meta.get("fp"),
            upstream_provider=meta.get("provider"),
            block=block,
            error_body=error_body,
        )


class OpenAIChatAdapter:
    protocol = "openai_chat"

    def build(self, target: Target, messages: list[dict[str, str]], params: Params) -> WireRequest:
        quirks = target.vendor.quirks
        body: dict[str, Any] = {"model": target.model, "messages": messages}
        given = params.model_dump(exclude_none=True, exclude={"stream", "extra"})
        if "max_tokens" in given:
            given[quirks.max_tokens_param] = given.pop("max_tokens")
        dropped = tuple(k for k in given if k in quirks.drop_params)
        for key in dropped:
            given.pop(key)
        body.update(given)
        body.update(params.extra)
        if params.stream:
            body["stream"] = True
            if quirks.stream_usage:
                body["stream_options"] = {"include_usage": True}
        headers = {"content-type": "application/json", **target.vendor.headers}
        key = target.api_key.reveal()
        if key:
            headers["authorization"] = f"Bearer {key}"
        return WireRequest(
            method="POST",
            url=target.base_url.rstrip("/") + "/chat/completions",
            headers=headers,
            json=body,
            stream=params.stream,
            dropped_params=dropped,
        )

    def parser(self, target: Target) -> OpenAIChatParser:
        return OpenAIChatParser(target)

    def classify(
        self, target: Target, status: int, body: bytes, headers: dict[str, str]
    ) -> Answer | Failure:
        sig = match_error(target.vendor, status, body)
        if sig is not None:
            return Answer(
                outcome="api_block",
                http_status=status,
                block=sig.name,
                error_body=body.decode("utf-8", "replace")[:20000],
            )
        return failure_for_status(status, body, headers)


__all__ = ["OpenAIChatAdapter", "OpenAIChatParser"]
