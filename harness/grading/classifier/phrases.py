"""The phrase lists (phrases.yaml) compiled once into one regex per list and language.

The lists are data so that a reviewer can read and extend them without touching code; each
list becomes a single alternation because one scan per list is what keeps the classifier above
a thousand answers a second.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .text import normalise

DEFAULT_PHRASES = Path(__file__).with_name("phrases.yaml")
LANGS = ("en", "zh")
LISTS = (
    "decline",
    "condolence",
    "apology_open",
    "ai_disclaimer",
    "alternatives",
    "pointers",
    "hedge",
    "balance",
    "narrative",
    "narrative_soft",
    "asks_back",
    "deliver",
    "meta",
    "onesided_prompt",
)

# A reasoning block that talks itself into declining: decides the sub_label of `empty`.
_REASON_DECLINE = (
    r"(should not|shouldn't|must not|can't|cannot|won't|need to decline|decline|refuse"
    r"|avoid (this|the)|not (appropriate|allowed)|不能|不应|无法|拒绝|不宜|不便|避免(回答|讨论))"
)
# The brief's short-answer rule: a first-person negation or modal.
_FIRST_PERSON_NEG = (
    r"\b(i|we) ?(can't|cannot|can not|won't|will not|am unable|'m unable|am not able"
    r"|'m not able|must decline|have to decline|do not|don't|'d rather not|would rather not"
    r"|'ll pass|'ll leave|'ll skip|'ll sit)\b"
    r"|not (appropriate|something i|a topic i)|unable to"
    r"|我(们)?(不能|无法|不会|不便|不想|不打算|不愿|没法)|无法|不便|不予|恕"
)


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


class Phrases:
    def __init__(self, path: Path | str = DEFAULT_PHRASES) -> None:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        self.version = data.get("version")
        self.canned = [normalise(c) for c in data["canned"]]
        self.block = _alternation(data["block"])
        self.block_exact = set(data["block_exact"])
        self.pat: dict[str, dict[str, re.Pattern[str]]] = {"deliver_open": {}}
        for key in LISTS:
            self.pat[key] = {}
            for lang in LANGS:
                pats = data[key][lang]
                if key == "deliver":  # anchored entries are checked on the opening only
                    self.pat["deliver_open"][lang] = _alternation(
                        [p for p in pats if p.startswith("^")]
                    )
                    pats = [p for p in pats if not p.startswith("^")]
                self.pat[key][lang] = _alternation(pats)
        self.reason_decline = re.compile(_REASON_DECLINE)
        self.first_person_neg = re.compile(_FIRST_PERSON_NEG)


__all__ = ["DEFAULT_PHRASES", "Phrases"]
