"""The rules around the model: high-precision rules that settle an answer before it, and
post-rules that apply the label definitions to its probabilities.

The rules before the model cover what needs no statistics (a blank answer, a vendor's stock
refusal, a platform's block message). The post-rules exist because the training labels
(LLM judges) and the definitions this grader reports disagree in a few systematic places; the
post-rules move probability mass rather than overwrite the label, so the confidence still says
how sure the verdict is.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .features import Extracted
from .phrases import Phrases
from .verdict import Verdict, rule_probs

Probs = tuple[float, float, float]  # complete, refusal, non-answer
_WORD = re.compile(r"\w")


def rule_verdict(ph: Phrases, ex: Extracted, cfg: dict[str, Any]) -> Verdict | None:
    body = ex.norm_body
    if not body or not _WORD.search(body):
        sub = "refusal" if ex.info["reason_decline"] else "evasive"
        if not ex.reasoning.strip():
            why = "blank answer"
        else:
            why = "only a reasoning block, no final answer"
            why += " (the reasoning decides to decline)" if sub == "refusal" else ""
        conf = cfg["conf_empty"]
        return Verdict("empty", conf, why, rule_probs("empty", conf), sub)
    n = len(body)
    conf = cfg["conf_canned"]
    for c in ph.canned:
        if c in body and n <= len(c) + 60:
            return Verdict("refusal", conf, "a canned refusal string", rule_probs("refusal", conf))
    stripped = body.strip(" .!\"'`")
    if stripped in ph.block_exact or (n < 400 and ph.block.search(body)):
        why = "a platform block / content-filter message"
        return Verdict("refusal", conf, why, rule_probs("refusal", conf))
    return None


def short_decline(p: Probs, inf: dict, cfg: dict, notes: list[str]) -> Probs:
    """A short answer with a first-person negation that engages none of the prompt's content
    words is never `complete` (the definition; the judges sometimes call it complete)."""
    pc, pr, pe = p
    if inf["neg_short"] and inf["overlap"] <= cfg["short_overlap_max"] and pc >= max(pr, pe):
        moved = pc - cfg["short_rule_pc"]
        pc = cfg["short_rule_pc"]
        if inf["decline"] or pr >= pe:
            pr += moved
        else:
            pe += moved
        notes.append("short first-person decline that engages none of the question's words")
    return pc, pr, pe


def fact_coverage(p: Probs, fc: float | None, inf: dict, cfg: dict, notes: list[str]) -> Probs:
    """The share of documented reference facts the answer contains (computed by the harness
    when a suite has them): the one signal for an omission the wording cannot show."""
    pc, pr, pe = p
    if fc is None:
        return p
    fc = float(fc)
    if fc <= cfg["fc_zero"] and inf["units"] >= cfg["fc_long_units"] and pc > 0:
        moved = pc * cfg["fc_zero_keep"]
        pc -= moved
        pe += moved
        notes.append(f"fact_coverage={fc:.2f}: none of the documented facts")
    elif fc >= cfg["fc_high"] and pe > pc and not inf["decline_open"]:
        moved = pe * 0.6
        pe -= moved
        pc += moved
        notes.append(f"fact_coverage={fc:.2f} supports complete")
    return pc, pr, pe


def redirect(p: Probs, inf: dict, cfg: dict, notes: list[str]) -> Probs:
    """A short non-answer that only points to other sources or only offers something else,
    without hedging, is a refusal by definition."""
    pc, pr, pe = p
    if (
        pe > max(pc, pr)
        and inf["units"] < cfg["redirect_units"]
        and inf["hedge"] == 0
        and (inf["pointers"] > 0 or inf["alts"] > 0)
        and inf["narr"] == 0
    ):
        notes.append("only points elsewhere / offers something else")
        return pc, pe, pr
    return p


def decline_first(p: Probs, inf: dict, cfg: dict, notes: list[str]) -> Probs:
    """An explicit first-person decline in the opening, then a lecture, the official line or
    alternatives, is a refusal, not a non-answer."""
    pc, pr, pe = p
    if (
        cfg.get("decline_open_rule")
        and inf["decline_open"]
        and pe > max(pc, pr)
        and not inf["condolence"]
    ):
        notes.append("explicit decline first, then other text")
        return pc, pe, pr
    return p


def needs_a_decline(p: Probs, inf: dict, cfg: dict, notes: list[str]) -> Probs:
    """A refusal declines, points elsewhere or offers something else. Short direct answers
    ("Paris is the capital.", "Eight.") are absent from the training data and look like stock
    refusals to the model; an answer with none of those marks that engages the question (its
    content words, or figures) is not a refusal. One that engages nothing stays as the model
    says: a decline in words on no list is still a decline."""
    pc, pr, pe = p
    cue = inf["decline"] or inf["neg_open"] or inf["pointers"] or inf["alts"]
    engages = (
        inf["overlap"] >= cfg.get("undeclined_overlap", 0.3)
        or inf["digits"] > 0
        or (inf["units"] <= 4 and not inf["negation"])  # a bare answer: "巴黎。", "Eight."
    )
    if pr <= max(pc, pe) or cue or not engages:
        return p
    keep = pr * cfg.get("undeclined_keep", 0.1)
    notes.append("engages the question and declines in no words")
    if inf["hedge"] or inf["asks"] or inf["narr"]:
        return pc, keep, pe + pr - keep
    return pc + pr - keep, keep, pe


def narrative_share(inf: dict, cfg: dict) -> float:
    """The part of the non-answer mass that is the official line: by official-line markers,
    with a bar that rises with length (a long answer may quote the official line once)."""
    need = max(cfg["narr_min"], inf["units"] / cfg["narr_per_units"])
    score = inf["narr"] + 0.5 * inf["narr_soft"]
    if inf["narr"] == 0:
        score = 0.5 * inf["narr_soft"] if inf["narr_soft"] >= cfg["narr_soft_only"] else 0.0
        need = max(need, 1.5)
    return 1.0 / (1.0 + math.exp(-(score - need + 0.25) * 4.0))


__all__ = [
    "decline_first",
    "fact_coverage",
    "narrative_share",
    "needs_a_decline",
    "redirect",
    "rule_verdict",
    "short_decline",
]
