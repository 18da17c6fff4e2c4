"""Matching a vendor's answer against its catalog moderation signatures.

A block is recognised only by a signature; an error shape that matches none is kept raw as
an error and never guessed to be a block.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from providers.catalog import Signature, Vendor


def error_fields(body: bytes | str | dict[str, Any] | None) -> tuple[set[str], str]:
    """Codes/types and the message text found in the common error envelopes.

    Envelopes seen: `{"error": {"code", "type", "message"}}` (OpenAI style),
    `{"error": "text", "code": ...}`, `{"detail": ...}`, `{"base_resp": {"status_code",
    "status_msg"}}`, `{"type": "error", "error": {...}}`.
    """
    if body is None:
        return set(), ""
    raw = body if isinstance(body, str) else None
    obj: Any = body
    if isinstance(body, bytes | str):
        raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError):
            return set(), raw
    codes: set[str] = set()
    messages: list[str] = []
    if isinstance(obj, dict):
        err = obj.get("error")
        details = err.get("details") if isinstance(err, dict) else None
        for holder in (err, obj, obj.get("base_resp"), details):
            if not isinstance(holder, dict):
                continue
            for key in ("code", "type", "status_code", "status", "error_code"):
                value = holder.get(key)
                if value is not None and not isinstance(value, dict | list):
                    codes.add(str(value))
            for key in ("message", "status_msg", "detail"):
                value = holder.get(key)
                if isinstance(value, str):
                    messages.append(value)
        if isinstance(err, str):
            messages.append(err)
        if isinstance(obj.get("detail"), str):
            messages.append(obj["detail"])
    text = " | ".join(messages) if messages else (raw or _text(obj))
    return codes, text


def _text(obj: Any) -> str:
    """An error object as text to match against; one nested too deeply to print is empty."""
    try:
        return json.dumps(obj, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return ""


@lru_cache(maxsize=512)
def _pattern(expr: str) -> re.Pattern[str]:
    return re.compile(expr, re.IGNORECASE)


def _for(sigs: tuple[Signature, ...], protocol: str | None) -> list[Signature]:
    return [s for s in sigs if s.protocol is None or protocol is None or s.protocol == protocol]


def _matches(sig: Signature, status: int | None, codes: set[str], text: str) -> bool:
    if sig.finish_reason is not None:
        return False
    if sig.status is not None and status is not None and sig.status != status:
        return False
    if sig.code is not None and sig.code not in codes:
        return False
    return not (sig.message is not None and not _pattern(sig.message).search(text))


def match_error(
    vendor: Vendor,
    status: int | None,
    body: bytes | str | dict[str, Any] | None,
    signatures: tuple[Signature, ...] | None = None,
    protocol: str | None = None,
) -> Signature | None:
    """The signature an error body matches, if any.

    `status` is None for an error event inside a 200 stream; the signature's status is then
    not required, since the vendor's moderation answers in-band once streaming has begun.
    """
    signatures = vendor.moderation if signatures is None else signatures
    if not signatures:
        return None
    codes, text = error_fields(body)
    for sig in _for(signatures, protocol):
        if _matches(sig, status, codes, text):
            return sig
    return None


def match_finish(
    vendor: Vendor, finish_reason: str | None, protocol: str | None = None
) -> Signature | None:
    """The signature a finish/stop reason fully matches, if the vendor declares it a block."""
    if finish_reason is None:
        return None
    for sig in _for(vendor.moderation, protocol):
        if sig.finish_reason is not None and _pattern(sig.finish_reason).fullmatch(finish_reason):
            return sig
    return None


__all__ = ["error_fields", "match_error", "match_finish"]
