"""Deterministic quality checks of one answer against an item's `grade:` specs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import jsonschema

from harness.grading.choice import answer_choice
from harness.grading.numbers import answer_number
from harness.grading.spec import GradeSpec
from providers.reasoning import answer_text

DETERMINISTIC = ("exact", "regex", "contains", "not_contains", "choice", "numeric", "json_schema")
"""Spec types decided here; `judge` (rubric) and `identity` have graders of their own."""


@dataclass(frozen=True, slots=True)
class Check:
    passed: bool
    rationale: str


def _norm(text: str, case_sensitive: bool) -> str:
    text = " ".join(text.split())
    return text if case_sensitive else text.casefold()


def _alternatives(answer: object) -> list[str]:
    return [str(a) for a in answer] if isinstance(answer, list) else [str(answer)]


def _json_of(text: str) -> object:
    """The JSON an answer gives, allowing a ```json fence or prose around one object."""
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    candidate = fenced.group(1) if fenced else text
    try:
        return json.loads(candidate)
    except ValueError:
        start = min((i for i in (candidate.find("{"), candidate.find("[")) if i >= 0), default=-1)
        if start < 0:
            raise
        return json.loads(candidate[start : max(candidate.rfind("}"), candidate.rfind("]")) + 1])


def run_check(spec: GradeSpec, text: str) -> Check:
    """Apply one deterministic spec (not judge/identity, which have graders of their own)."""
    answer = answer_text(text)
    kind = spec.type
    if kind == "numeric":
        got = answer_number(answer)
        if got is None:
            return Check(False, "no number found")
        expected = float(spec.answer)  # type: ignore[arg-type]
        candidates = [got, got * 100] if "%" in answer else [got]
        ok = any(
            abs(c - expected) <= spec.tolerance + 1e-9 * max(1.0, abs(expected)) for c in candidates
        )
        return Check(ok, f"read {got:g}, expected {expected:g} ± {spec.tolerance:g}")
    if kind == "choice":
        got = answer_choice(answer)
        expected = str(spec.answer).strip().upper()
        return Check(got == expected, f"picked {got or 'nothing'}, expected {expected}")
    if kind == "json_schema":
        try:
            jsonschema.validate(_json_of(answer), spec.schema_ or {})
        except ValueError:
            return Check(False, "not valid JSON")
        except jsonschema.ValidationError as exc:
            return Check(False, f"JSON fails the schema: {exc.message[:120]}")
        return Check(True, "JSON valid against the schema")
    norm = _norm(answer, spec.case_sensitive)
    options = [_norm(a, spec.case_sensitive) for a in _alternatives(spec.answer)]
    if kind == "exact":
        stripped = norm.strip(" .。!！\"'“”")
        ok = any(stripped == o for o in options)
        return Check(ok, "exact match" if ok else f"expected exactly {options[0]!r}")
    if kind == "contains":
        ok = any(o in norm for o in options)
        return Check(ok, "contains the answer" if ok else f"does not contain {options[0]!r}")
    if kind == "not_contains":
        bad = next((o for o in options if o in norm), None)
        return Check(
            bad is None, f"contains {bad!r}" if bad else "does not contain the excluded text"
        )
    if kind == "regex":
        flags = 0 if spec.case_sensitive else re.IGNORECASE
        ok = any(re.search(str(a), answer, flags) for a in _alternatives(spec.answer))
        return Check(ok, "matches the pattern" if ok else "does not match the pattern")
    raise ValueError(f"{kind} is not a deterministic check")


__all__ = ["DETERMINISTIC", "Check", "run_check"]
