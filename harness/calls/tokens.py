"""How many tokens a request's input holds, before anything is sent: the one estimator.

Two figures, for two uses:
- `estimate`: a best guess, for the dry-run plan and tokens-per-minute pacing. tiktoken's
  cl100k encoding when it is installed and its files are already on this machine (for OpenAI
  chat models), else characters per token by language; the method is returned with it.
- `upper_bound`: a figure no tokenizer exceeds (a token is at least one byte, plus an
  allowance per message for the chat template), for `--max-cost` reservations that must never
  be passed.
"""

from __future__ import annotations

import os
from functools import lru_cache

Messages = list[dict[str, str]]

CHARS_PER_TOKEN = {"en": 4.0, "zh": 1.5}
"""Rough averages for chat models' tokenizers; other languages use 3."""
PER_MESSAGE = 4
"""Template tokens a chat format adds per message, on average."""
TEMPLATE_TOKENS = 16
"""Upper bound of what a chat template adds per message (role markers and the like)."""


@lru_cache(maxsize=1)
def _tiktoken():  # type: ignore[no-untyped-def]
    """tiktoken's cl100k encoding if it loads without the network, else None."""
    try:
        import tiktoken
    except ImportError:
        return None
    cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if not cache or not os.path.isdir(cache):
        return None  # it would download its files: not here
    try:
        return tiktoken.get_encoding("cl100k_base")
    except Exception:  # any failure means: use the estimate
        return None


def estimate(messages: Messages, lang: str, protocol: str | None = None) -> tuple[int, str]:
    """(input tokens, how they were counted)."""
    text = "\n".join(m["content"] for m in messages)
    encoder = _tiktoken() if protocol == "openai_chat" else None
    if encoder is not None:
        return len(encoder.encode(text)) + PER_MESSAGE * len(messages), "tiktoken cl100k"
    per = CHARS_PER_TOKEN.get(lang[:2], 3.0)
    return int(len(text) / per) + PER_MESSAGE * len(messages), "chars/token estimate"


def upper_bound(messages: Messages) -> int:
    return sum(len(m["content"].encode()) + TEMPLATE_TOKENS for m in messages)


__all__ = ["estimate", "upper_bound"]
