"""Reading a number out of an answer: 1,234.5; 1.2e3; 3/4; 20%; Chinese numerals (一百二十).

Chinese numerals are turned into digits by cn2an first, so "约一千二百三十四点五" and
"三分之一" read as 1234.5 and 1/3. The answer is the number after an answer cue
("answer is", "答案是", "=") when there is one, else the last number in the text.
"""

from __future__ import annotations

import contextlib
import re
from fractions import Fraction

import cn2an

_NUM = re.compile(
    r"(?P<sign>[-−])?(?:(?P<whole>\d+)\s*又\s*)?(?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"(?:\s*/\s*(?P<den>\d+(?:\.\d+)?))?(?P<pct>\s*%)?"
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_CUE = re.compile(
    r"(answer\s*(?:is|:)|result\s*(?:is|:)|答案\s*(?:是|为|：|:)|结果\s*(?:是|为)|等于|=)",
    re.IGNORECASE,
)
_CJK_DIGITS = re.compile(r"[零〇一二两三四五六七八九十百千万亿点负分之]")


def _digits(text: str) -> str:
    if _CJK_DIGITS.search(text):
        with contextlib.suppress(ValueError, KeyError, IndexError):  # cn2an rejects some forms
            text = cn2an.transform(text, "cn2an")
    return _THOUSANDS.sub("", text)


def _value(m: re.Match[str]) -> float:
    value = Fraction(m["num"])
    if m["den"]:
        den = Fraction(m["den"])
        value = value / den if den else Fraction(0)
    if m["whole"]:
        value += int(m["whole"])
    if m["sign"]:
        value = -value
    if m["pct"]:
        value /= 100
    return float(value)


def numbers_in(text: str) -> list[float]:
    return [_value(m) for m in _NUM.finditer(_digits(text))]


def answer_number(text: str) -> float | None:
    """The number an answer gives: after the last answer cue, else the last one in the text."""
    clean = _digits(text)
    cues = list(_CUE.finditer(clean))
    if cues:
        after = _NUM.search(clean, cues[-1].end())
        if after:
            return _value(after)
    found = list(_NUM.finditer(clean))
    return _value(found[-1]) if found else None


__all__ = ["answer_number", "numbers_in"]
