"""The label vocabulary and the verdict type, in one place so the rules, the model and the
trainer cannot drift apart on what a label is called."""

from __future__ import annotations

from dataclasses import dataclass, field

LABELS = ("complete", "refusal", "evasive", "narrative", "empty")
MODEL_CLASSES = ("complete", "refusal", "evasive")
"""What the linear model separates; its `evasive` is every non-answer (evasive + narrative),
because narrative is told apart afterwards by official-line markers, not by the weights."""


@dataclass(frozen=True, slots=True)
class Verdict:
    label: str
    confidence: float
    """Calibrated probability that the coarse class (complete / refusal / non-answer) is right;
    the reliability table measures exactly this."""
    rationale: str
    probs: dict[str, float] = field(default_factory=dict)
    sub_label: str | None = None
    """Only for `empty`: what the reasoning suggests (refusal or evasive), since no data set
    labels `empty` and a benchmark may want to score it by intent."""


def rule_probs(label: str, confidence: float) -> dict[str, float]:
    """A distribution for a rule's verdict, so every verdict's probs cover the five labels and
    sum to 1 (the rest is spread evenly: a rule has no opinion about the runner-up)."""
    rest = (1.0 - confidence) / (len(LABELS) - 1)
    return {lab: (confidence if lab == label else round(rest, 4)) for lab in LABELS}


__all__ = ["LABELS", "MODEL_CLASSES", "Verdict", "rule_probs"]
