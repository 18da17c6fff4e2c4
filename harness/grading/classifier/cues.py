"""Answer-side hand features: what the answer's own wording says about it.

Each function fills its share of the dense feature dict (names in features.DENSE_NAMES) and
of `info`, the few raw counts the post-rules and the rationale read. The phrase counts are
clipped and scaled to 0–1 so that no single list can dominate the linear model.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .phrases import Phrases
from .windows import DECL_OPEN, OPEN, Windows

_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"(?<!\d)(?:1[5-9]|20)\d\d(?!\d)")
_HEADING = re.compile(r"(?m)^\s{0,3}(#{1,6}\s|\*\*[^*\n]{2,80}\*\*\s*$)")
_BULLET = re.compile(r"(?m)^\s*([-*•]\s|\d{1,2}[.)、]\s?|[一二三四五六七八九十]+、)")


def declines(ph: Phrases, w: Windows, f: dict[str, float], info: dict[str, Any]) -> None:
    """Where and how often the answer declines; the opening weighs most, because a refusal
    says so first and an answer that mentions "I can't" further down is usually complete."""
    pat, lang, body, head = ph.pat, w.lang, w.body, w.head
    found = list(pat["decline"][lang].finditer(head))
    if lang == "zh":  # Chinese answers sometimes decline in English first
        found = list(pat["decline"]["en"].finditer(head[: DECL_OPEN["en"]])) + found
    m_head = min(found, key=lambda m: m.start()) if found else None
    m_open = m_head if (m_head is not None and m_head.start() < DECL_OPEN[lang]) else None
    alt_head = len(pat["alternatives"][lang].findall(body[:600]))
    alt_tail = len(pat["alternatives"][lang].findall(w.tailw))
    pointers = len(pat["pointers"][lang].findall(w.counted))
    condolence = bool(pat["condolence"][lang].search(body[:160]))
    f["dec_open"] = float(bool(m_open))
    f["dec_head"] = float(bool(m_head))
    f["dec_tail"] = float(bool(pat["decline"][lang].search(w.tailw)))
    f["dec_count"] = min(len(found), 4) / 4.0
    f["dec_open_x_len"] = float(bool(m_open)) * math.log1p(w.n_chars) / 8.0
    f["dec_pos"] = (m_head.start() / max(len(head), 1)) if m_head else 1.0
    f["apology_open"] = float(bool(pat["apology_open"][lang].search(body[:40])))
    f["condolence_open"] = float(condolence)
    f["ai_disclaimer"] = float(bool(pat["ai_disclaimer"][lang].search(body[:400])))
    f["alt_head"] = min(alt_head, 3) / 3.0
    f["alt_tail"] = min(alt_tail, 3) / 3.0
    f["pointers"] = min(pointers, 3) / 3.0
    decline = m_open.group(0) if m_open else (m_head.group(0) if m_head else None)
    info.update(decline=decline, decline_open=bool(m_open), condolence=condolence)
    info.update(pointers=pointers, alts=alt_head + alt_tail)


def hedges(ph: Phrases, w: Windows, f: dict[str, float], info: dict[str, Any]) -> tuple[float, int]:
    """Hedging, "both sides", the official line and asking back: the marks of a non-answer.
    Returns (text length in thousands, balance count) for the prompt-crossed features."""
    pat, lang, cw, tailw = ph.pat, w.lang, w.counted, w.tailw
    k = max(len(cw), 1) / 1000.0
    hedge_at = [m.start() for m in pat["hedge"][lang].finditer(cw)]
    hedge = len(hedge_at)
    bal = len(pat["balance"][lang].findall(cw))
    narr_at = [m.start() for m in pat["narrative"][lang].finditer(cw)]
    narr = len(narr_at)
    narr_soft = len(pat["narrative_soft"][lang].findall(cw))
    asks = len(pat["asks_back"][lang].findall(w.body[:400] + " " + tailw))
    f["hedge"] = min(hedge, 6) / 6.0
    f["hedge_open"] = float(any(x < DECL_OPEN[lang] + 100 for x in hedge_at))
    f["hedge_density"] = min(hedge / k, 4.0) / 4.0
    f["balance"] = min(bal, 6) / 6.0
    f["balance_density"] = min(bal / k, 4.0) / 4.0
    f["narr"] = min(narr, 10) / 10.0
    f["narr_density"] = min(narr / k, 6.0) / 6.0
    f["narr_open"] = min(sum(1 for x in narr_at if x < OPEN[lang] * 2), 4) / 4.0
    f["narr_soft"] = min(narr_soft, 10) / 10.0
    f["asks_back"] = min(asks, 3) / 3.0
    f["qmark_tail"] = float(("?" in tailw[-150:]) or ("？" in tailw[-150:]))
    info.update(narr=narr, narr_soft=narr_soft, hedge=hedge, asks=asks)
    return k, bal


def structure(ph: Phrases, w: Windows, f: dict[str, float], info: dict[str, Any]) -> None:
    """Delivery and structure: headings, bullets, digits and years are what a real essay or a
    factual answer has and a deflection rarely does."""
    pat, lang, body, raw = ph.pat, w.lang, w.body, w.raw_body
    kb = max(len(body), 1) / 1000.0
    digits = len(_DIGIT.findall(body))
    f["qmark_density"] = min((body.count("?") + body.count("？")) / kb, 5.0) / 5.0
    f["deliver_open"] = float(bool(pat["deliver_open"][lang].search(body[:60])))
    f["deliver"] = min(len(pat["deliver"][lang].findall(w.counted)), 5) / 5.0
    f["digit_density"] = min(digits / kb, 40.0) / 40.0
    f["years"] = min(len(_YEAR.findall(body)), 10) / 10.0
    f["headings"] = min(len(_HEADING.findall(raw)), 10) / 10.0
    f["bullets"] = min(len(_BULLET.findall(raw)), 15) / 15.0
    f["paragraphs"] = min(raw.count("\n\n") + 1 if raw.strip() else 0, 20) / 20.0
    info["digits"] = digits


__all__ = ["declines", "hedges", "structure"]
