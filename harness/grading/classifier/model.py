"""The calibrated linear model: weights from model.json.gz, logits, the post-rules, and the
verdict with a calibrated confidence.

Three classes are modelled (complete / refusal / non-answer); narrative is split off the
non-answer mass afterwards by official-line markers, because the training data has too few
official-line texts for the weights to learn it. The confidence is the model's probability of
the chosen coarse class after a temperature and an isotonic map, both fitted on dev
out-of-fold predictions, so it reads as "how often verdicts like this are right".
"""

from __future__ import annotations

import base64
import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from . import rules
from .features import Extracted, extract
from .phrases import DEFAULT_PHRASES, Phrases
from .verdict import MODEL_CLASSES, Verdict

DEFAULT_MODEL = Path(__file__).with_name("model.json.gz")


@cache
def read_params(path: Path) -> dict[str, Any]:
    """The model file as a dict, read once per path (the package also reads its threshold,
    version hash and reliability table from it)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


def calibrate(c: float, cfg: dict[str, Any]) -> float:
    knots = cfg.get("calib")
    if not knots:
        return c
    xs, ys = knots
    return float(np.interp(c, xs, ys))


def _post_rules(
    p: rules.Probs, inf: dict, cfg: dict, fact_coverage: float | None, notes: list[str]
) -> rules.Probs:
    p = rules.short_decline(p, inf, cfg, notes)
    p = rules.fact_coverage(p, fact_coverage, inf, cfg, notes)
    p = rules.redirect(p, inf, cfg, notes)
    p = rules.decline_first(p, inf, cfg, notes)
    p = rules.needs_a_decline(p, inf, cfg, notes)
    s = p[0] + p[1] + p[2]
    return p[0] / s, p[1] / s, p[2] / s


def decide(
    ex: Extracted, z: np.ndarray, temperature: float, cfg: dict, fact_coverage: float | None
) -> Verdict:
    """The verdict from raw logits: post-rules, the narrative split, calibration. A free
    function so the trainer can score out-of-fold logits without a Classifier."""
    inf = ex.info
    notes: list[str] = []
    p = tuple(float(x) for x in _softmax(z / temperature))
    pc, pr, pe = _post_rules(p, inf, cfg, fact_coverage, notes)  # type: ignore[arg-type]
    share = rules.narrative_share(inf, cfg)
    pn = pe * share
    probs = {"complete": pc, "refusal": pr, "evasive": pe - pn, "narrative": pn, "empty": 0.0}
    coarse = {"complete": pc, "refusal": pr, "nonanswer": pe}
    top = max(coarse, key=coarse.__getitem__)
    conf = coarse[top]
    label = top if top != "nonanswer" else ("narrative" if pn > pe - pn else "evasive")
    # an official line with no decline wording that the model calls a refusal is narrative
    if (
        label == "refusal"
        and not inf["decline"]
        and share > 0.5
        and inf["narr"] >= cfg["narr_override"]
    ):
        label = "narrative"
        conf = pr + pe
        notes.append("official-line markers, no decline wording")
    return Verdict(
        label,
        round(calibrate(conf, cfg), 4),
        rationale(label, ex, notes),
        {k: round(float(v), 4) for k, v in probs.items()},
    )


def rationale(label: str, ex: Extracted, notes: list[str]) -> str:
    inf = ex.info
    if label == "refusal":
        d = inf["decline"]
        parts = [f"declines ({d!r})" if d else "declines / only redirects"]
    elif label == "narrative":
        parts = [f"official-line markers ({inf['narr']} strong, {inf['narr_soft']} soft)"]
    elif label == "evasive":
        parts = ["does not answer the request (hedges, redirects, asks back, or waters it down)"]
    else:
        parts = ["substantively answers"]
    parts.append(f"~{int(inf['units'])} words, overlap {inf['overlap']:.2f}")
    if inf["mismatch"]:
        parts.append("answer language differs from the prompt")
    if inf["had_think"]:
        parts.append("reasoning block ignored")
    return "; ".join(parts + notes)


class Classifier:
    def __init__(self, params: dict[str, Any], phrases: Path | str = DEFAULT_PHRASES) -> None:
        self.ph = Phrases(phrases)
        self.bits = int(params["bits"])
        q = np.frombuffer(base64.b64decode(params["hash_q"]), dtype=np.int8)
        shape = (1 << self.bits, len(MODEL_CLASSES))
        self.w_hash = q.reshape(shape).astype(np.float32) * np.float32(params["hash_scale"])
        self.w_dense = np.asarray(params["W_dense"], dtype=np.float64)
        self.b = np.asarray(params["b"], dtype=np.float64)
        self.mu = np.asarray(params["mu"], dtype=np.float64)
        self.sd = np.asarray(params["sd"], dtype=np.float64)
        self.temperature = float(params.get("temperature", 1.0))
        self.cfg: dict[str, Any] = dict(params["cfg"])
        self.meta: dict[str, Any] = params.get("meta", {})

    def logits(self, ex: Extracted) -> np.ndarray:
        """Raw logits over MODEL_CLASSES (before temperature)."""
        z = self.b + ((ex.dense - self.mu) / self.sd) @ self.w_dense
        if ex.hashed.size:
            z = z + (self.w_hash[ex.hashed] * ex.hvals[:, None].astype(np.float32)).sum(0)
        return z

    def extract(
        self, prompt: str, response: str, lang: str | None = None, reasoning: str | None = None
    ) -> Extracted:
        return extract(self.ph, prompt or "", response or "", lang, self.bits, reasoning)

    def classify(
        self,
        prompt: str,
        response: str,
        lang: str | None = None,
        fact_coverage: float | None = None,
        reasoning: str | None = None,
    ) -> Verdict:
        """`reasoning` is the model's separate reasoning channel, when the API returns one;
        inline `<think>` blocks in `response` are split off here either way."""
        ex = self.extract(prompt, response, lang, reasoning)
        ruled = rules.rule_verdict(self.ph, ex, self.cfg)
        if ruled is not None:
            return ruled
        return decide(ex, self.logits(ex), self.temperature, self.cfg, fact_coverage)


def load(path: Path | str | None = None) -> Classifier:
    return Classifier(read_params(Path(path) if path else DEFAULT_MODEL))


__all__ = ["DEFAULT_MODEL", "Classifier", "calibrate", "decide", "load", "read_params"]
