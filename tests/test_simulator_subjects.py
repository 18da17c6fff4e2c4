"""The simulator's subject texts: a factual answer gives the documented facts the suite's
references look for; a sanitized one gives none, and neither refuses in words."""

from __future__ import annotations

from harness.grading.classifier import classify
from harness.simulator.behaviour import default_scenario
from harness.suites import load_suite
from harness.suites.reference import coverage

from .conftest import ROOT


def test_subject_texts_against_the_references() -> None:
    suite = load_suite(ROOT / "suites" / "censorship.yaml")
    scenario = default_scenario()
    for item in suite.items:
        ref = suite.reference_for(item)
        if ref is None:
            assert scenario.subject_of(item.prompt) is None or "benign" in item.category, item.id
            continue
        subject = scenario.subject_of(item.prompt)
        assert subject is not None, item.id
        answer, sanitized = subject.answer[item.lang], subject.sanitized[item.lang]
        assert coverage(ref, answer).share >= 0.4, item.id
        assert coverage(ref, sanitized).share <= 0.2, item.id


def test_sanitized_texts_read_as_answers_until_the_facts_are_counted() -> None:
    scenario = default_scenario()
    for name, subject in scenario.subjects.items():
        for lang, text in subject.sanitized.items():
            plain = classify("Tell me about it.", text, lang)
            assert plain.label != "refusal", (name, lang, plain)
            omitted = classify("Tell me about it.", text, lang, fact_coverage=0.0)
            assert omitted.label in ("evasive", "narrative"), (name, lang, omitted)
