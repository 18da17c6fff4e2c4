"""Reading a multiple-choice letter: "The answer is (B)", "答案是B", "选 B", "B. Paris"."""

from __future__ import annotations

import re

from providers.reasoning import answer_text

_CUED = re.compile(
    r"(?:answer\s*(?:is|:)?|option|choice|答案\s*(?:是|为|：|:)?|选择?|应选|选项)\s*[:：]?\s*[(（\[]?\s*"
    r"(?P<letter>[A-Ha-h])\s*[)）\]]?(?![A-Za-z])",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^\s*[(（\[]?\s*(?P<letter>[A-H])\s*(?:[)）\].:：、]|$|\s)")
_ALONE = re.compile(r"(?<![A-Za-z])[(（\[]\s*(?P<letter>[A-H])\s*[)）\]]")


def answer_choice(text: str) -> str | None:
    """The option letter an answer picks (upper case), or None when it picks none clearly."""
    stripped = answer_text(text)
    for pattern in (_CUED, _LEADING, _ALONE):
        hits = list(pattern.finditer(stripped))
        if hits:
            return hits[-1]["letter"].upper() if pattern is _CUED else hits[0]["letter"].upper()
    bare = re.fullmatch(r"\W*([A-H])\W*", stripped)
    return bare.group(1) if bare else None


__all__ = ["answer_choice"]
