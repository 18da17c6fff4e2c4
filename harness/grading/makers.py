"""The identity grader: which maker does a model claim to be, and is it its own?

A model that names another lab ("I am ChatGPT, made by OpenAI" from a Chinese vendor's model)
may have been trained on that lab's outputs; the grader records the claim, not a verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from providers.reasoning import answer_text

MAKERS = Path(__file__).with_name("makers.yaml")
VERSION = "identity-1"


@lru_cache(maxsize=1)
def _makers() -> dict[str, re.Pattern[str]]:
    data = yaml.safe_load(MAKERS.read_text(encoding="utf-8"))["makers"]
    return {
        name: re.compile("|".join(f"(?:{a})" for a in aliases), re.I)
        for name, aliases in data.items()
    }


def makers_named(text: str) -> list[str]:
    """Makers a text names, in order of first mention."""
    hits = []
    for name, pattern in _makers().items():
        m = pattern.search(text)
        if m:
            hits.append((m.start(), name))
    return [name for _, name in sorted(hits)]


def expected_maker(vendor: str, model: str) -> str | None:
    for source in (model, vendor):
        named = makers_named(source)
        if named:
            return named[0]
    return None


@dataclass(frozen=True, slots=True)
class Claim:
    claimed: str
    """The first maker the answer names, or "none"."""
    passed: bool | None
    """True when it is the expected maker, None when there is no claim or no expectation."""
    rationale: str


def claim(answer: str, vendor: str, model: str) -> Claim:
    answer = answer_text(answer)
    named = makers_named(answer)
    expected = expected_maker(vendor, model)
    if not named:
        return Claim("none", None, "names no maker")
    first = named[0]
    if expected is None:
        return Claim(first, None, f"claims {first}; no expected maker known")
    why = f"claims {first}; expected {expected}" + (
        f" (also names {', '.join(named[1:])})" if named[1:] else ""
    )
    return Claim(first, first == expected, why)


__all__ = ["VERSION", "Claim", "claim", "expected_maker", "makers_named"]
