"""What the linear model sees for one answer: a dense vector of hand features (cues.py,
engagement.py) and the hashed character n-grams of its opening and ending (hashing.py).

The order of DENSE_NAMES is the order of the shipped weights; a new feature goes at the end
and needs a retrain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cues import declines, hedges, structure
from .engagement import crossed, engagement
from .hashing import hashed_windows
from .phrases import Phrases
from .text import detect_lang, normalise, split_answer
from .windows import Windows, read

DENSE_NAMES = (
    *("len_log", "units_log", "short60", "short200", "zh_prompt", "zh_resp", "lang_mismatch"),
    *("dec_open", "dec_head", "dec_tail", "dec_count", "dec_open_x_len", "dec_pos"),
    *("apology_open", "condolence_open", "ai_disclaimer", "alt_head", "alt_tail"),
    *("pointers", "hedge", "hedge_open", "hedge_density", "balance", "balance_density"),
    *("narr", "narr_density", "narr_open", "narr_soft", "asks_back", "qmark_tail"),
    *("qmark_density", "deliver_open", "deliver", "digit_density", "years", "headings"),
    *("bullets", "paragraphs", "overlap", "overlap_open", "overlap_zero", "neg_short"),
    *("neg_short_nooverlap", "prompt_creative", "creative_x_short", "reasoning"),
    *("reasoning_decline", "nochar", "meta_head", "meta_tail", "onesided"),
    *("onesided_x_balance", "onesided_x_hedge", "onesided_x_meta", "narr_prompt"),
    "satire_x_narr",
)
REASONING_WINDOW = 3000


@dataclass
class Extracted:
    answer: str
    reasoning: str
    lang: str
    prompt_lang: str
    norm_body: str
    dense: np.ndarray
    hashed: np.ndarray  # bucket indices
    hvals: np.ndarray  # their values
    info: dict[str, Any]
    """Raw counts the post-rules and the rationale read (decline found, narrative markers,
    word-equivalents, overlap, …)."""


def _size(w: Windows, plang: str) -> dict[str, float]:
    ln = math.log1p(w.n_chars)
    return {
        "len_log": ln / 8.0,
        "units_log": math.log1p(w.units) / 7.0,
        "short60": float(w.units < 60),
        "short200": float(w.units < 200),
        "zh_prompt": float(plang == "zh"),
        "zh_resp": float(w.lang == "zh"),
        "lang_mismatch": float(plang != w.lang),
        "nochar": float(w.n_chars == 0),
    }


def extract(
    ph: Phrases,
    prompt: str,
    response: str,
    lang: str | None,
    bits: int,
    reasoning: str | None = None,
) -> Extracted:
    """`lang` is the prompt's language when known (a suite declares it); the answer's own
    language is always detected, since a model may answer a Chinese prompt in English."""
    answer, think, had = split_answer(response or "", reasoning)
    plang = lang if lang in ("en", "zh") else detect_lang(prompt or "")
    w = read(answer, plang)
    f = _size(w, plang)
    info: dict[str, Any] = {}
    declines(ph, w, f, info)
    k, bal = hedges(ph, w, f, info)
    structure(ph, w, f, info)
    eng = engagement(ph, w, prompt or "", plang, f)
    crossed(f, info, eng, k, bal)
    reason_decl = bool(think) and bool(
        ph.reason_decline.search(normalise(think[:REASONING_WINDOW]))
    )
    f["reasoning"] = float(bool(think))
    f["reasoning_decline"] = float(reason_decl)
    dense = np.array([f[name] for name in DENSE_NAMES], dtype=np.float64)
    hashed, hvals = hashed_windows(w, bits)
    info.update(units=w.units, overlap=eng["overlap"], mismatch=plang != w.lang)
    info.update(neg_open=eng["neg_open"], negation=eng["negation"])
    info.update(neg_short=bool(f["neg_short"]), had_think=had, reason_decline=reason_decl)
    return Extracted(answer, think, w.lang, plang, w.body, dense, hashed, hvals, info)


__all__ = ["DENSE_NAMES", "Extracted", "extract"]
