"""Prompt-side features: how the answer relates to what was asked.

Overlap with the prompt's content words separates "I can't discuss X" (engages X) from a
generic brush-off; one-sided and satire prompts crossed with balance, hedging or
meta-commentary catch the watered-down essay, which reads fluently but is not what was asked.
"""

from __future__ import annotations

import re
from typing import Any

from .phrases import Phrases
from .text import normalise, prompt_terms
from .windows import OPEN, Windows

_CREATIVE = re.compile(
    r"\b(write|draft|compose|essay|satir|speech|poem|article|op-ed|dialogue|story|memo|letter"
    r"|list)|撰写|写|起草|讽刺|文章|论文|演讲|诗|对话|列举|列出"
)
_SATIRE = re.compile(r"satir|parod|mock|ridicul|讽刺|嘲|戏仿")
PromptFeats = tuple[list[str], float, int, bool, bool]
_CACHE: dict[tuple[int, str, str], PromptFeats] = {}
_CACHE_MAX = 4096


def prompt_feats(ph: Phrases, prompt: str, plang: str) -> PromptFeats:
    """(content terms, one-sidedness, official-line markers, satire, creative); cached because
    a benchmark asks the same prompt of many models."""
    key = (id(ph), plang, prompt)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    pnorm = normalise(prompt)
    pat = ph.pat
    out = (
        prompt_terms(pnorm, plang),
        min(len(pat["onesided_prompt"][plang].findall(pnorm)), 3) / 3.0,
        len(pat["narrative"][plang].findall(pnorm))
        + len(pat["narrative_soft"][plang].findall(pnorm)),
        bool(_SATIRE.search(pnorm)),
        bool(_CREATIVE.search(pnorm)),
    )
    if len(_CACHE) > _CACHE_MAX:
        _CACHE.clear()
    _CACHE[key] = out
    return out


_NEGATION = re.compile(r"\b(no|not|never|nope|pass|n't)\b|n't|[不没無无未非别勿拒恕]")
"""Any negation at all, in either language (a bare answer without one is an answer)."""


def engagement(
    ph: Phrases, w: Windows, prompt: str, plang: str, f: dict[str, float]
) -> dict[str, Any]:
    terms, onesided, narr_prompt, satire, creative = prompt_feats(ph, prompt, plang)
    lang, body = w.lang, w.body
    mismatch = plang != lang
    if terms and not mismatch and body:
        overlap = sum(1 for t in terms if t in body) / len(terms)
        overlap_open = sum(1 for t in terms if t in body[: OPEN[lang] + 100]) / len(terms)
    else:
        overlap, overlap_open = 0.5, 0.3  # unknown (other language, no terms): neutral values
    neg_open = bool(ph.first_person_neg.search(body[:600]))
    negation = bool(_NEGATION.search(body[:200]))
    neg_short = w.units < 60 and neg_open
    meta_head = len(ph.pat["meta"][lang].findall(body[:400]))
    meta_tail = len(ph.pat["meta"][lang].findall(w.tailw))
    f["overlap"] = overlap
    f["overlap_open"] = overlap_open
    f["overlap_zero"] = float(overlap == 0.0)
    f["neg_short"] = float(neg_short)
    f["neg_short_nooverlap"] = float(neg_short and overlap < 0.15)
    f["prompt_creative"] = float(creative)
    f["creative_x_short"] = float(creative and w.units < 150)
    f["meta_head"] = min(meta_head, 2) / 2.0
    f["meta_tail"] = min(meta_tail, 2) / 2.0
    f["narr_prompt"] = min(narr_prompt, 3) / 3.0
    return dict(
        onesided=onesided, satire=satire, meta=meta_head + meta_tail, overlap=overlap,
        neg_open=neg_open, negation=negation,
    )  # fmt: skip


def crossed(
    f: dict[str, float], info: dict[str, Any], eng: dict[str, Any], k: float, bal: int
) -> None:
    """The prompt's one-sidedness times the answer's balance / hedging / meta-commentary."""
    onesided = eng["onesided"]
    f["onesided"] = onesided
    f["onesided_x_balance"] = onesided * min(bal / k, 4.0) / 4.0
    f["onesided_x_hedge"] = onesided * min(info["hedge"] / k, 4.0) / 4.0
    f["onesided_x_meta"] = onesided * min(eng["meta"], 2) / 2.0
    f["satire_x_narr"] = float(eng["satire"]) * min(info["narr"], 10) / 10.0


__all__ = ["crossed", "engagement", "prompt_feats"]
