"""The bounded windows of an answer that every feature reads.

Only the first BODY characters and the last TAIL_RAW are ever looked at, so a runaway 200 KB
answer costs the same as a page. The windows are smaller for Chinese because one character
carries about as much as an English word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import detect_lang, normalise

BODY = 3000
TAIL_RAW = 600
OPEN = {"en": 300, "zh": 130}  # hashed opening window
END = {"en": 200, "zh": 90}  # hashed ending window
DECL_OPEN = {"en": 260, "zh": 110}  # a decline before this counts as "in the opening"
HEAD = {"en": 700, "zh": 300}
COUNT = {"en": 1000, "zh": 500}  # where phrases are counted
TAILW = {"en": 300, "zh": 120}

_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Windows:
    raw_body: str
    body: str  # normalised
    tail: str  # normalised
    lang: str
    n_chars: int
    units: float
    """Word-equivalents (a CJK character counts 1/1.7), extrapolated past the body window."""

    @property
    def head(self) -> str:
        return self.body[: HEAD[self.lang]]

    @property
    def counted(self) -> str:
        return self.body[: COUNT[self.lang]]

    @property
    def tailw(self) -> str:
        return self.tail[-TAILW[self.lang] :]


def read(answer: str, prompt_lang: str) -> Windows:
    raw_body = answer[:BODY]
    body = normalise(raw_body)
    lang = detect_lang(raw_body) if body else prompt_lang
    n_chars = len(answer.strip())
    cjk = (len(raw_body.encode("utf-8")) - len(raw_body)) // 2  # about the CJK characters
    units_body = len(_TOKEN.findall(body)) + cjk / 1.7
    scale = n_chars / max(1, len(raw_body)) if raw_body else 0.0
    units = units_body * max(1.0, scale)
    return Windows(raw_body, body, normalise(answer[-TAIL_RAW:]), lang, n_chars, units)


__all__ = ["BODY", "DECL_OPEN", "END", "OPEN", "TAIL_RAW", "Windows", "read"]
