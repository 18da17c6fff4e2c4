"""Deterministic quality checks: numbers (incl. Chinese numerals), choices, text, JSON."""

from __future__ import annotations

import pytest

from harness.grading.checks import run_check as check
from harness.grading.choice import answer_choice
from harness.grading.numbers import answer_number
from harness.grading.spec import GradeSpec


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.5", 1234.5),
        ("about 1.2e3 units", 1200),
        ("3/4", 0.75),
        ("一百二十", 120),
        ("答案是一千二百三十四点五", 1234.5),
        ("约三分之一", 1 / 3),
        ("-7", -7),
        ("两千", 2000),
        ("The answer is 42. Check: 40 + 2 = 42 apples, 5 left", 42),
        ("x = 7", 7),
        ("二十三又二分之一", 23.5),
        ("It costs $1,000,000.", 1_000_000),
    ],
)
def test_numbers(text: str, value: float) -> None:
    assert answer_number(text) == pytest.approx(value)


def test_no_number() -> None:
    assert answer_number("none at all") is None


@pytest.mark.parametrize(
    ("text", "letter"),
    [
        ("The answer is (B)", "B"),
        ("答案是B", "B"),
        ("选 B", "B"),
        ("B. Paris", "B"),
        ("(C)", "C"),
        ("A is tempting, but the answer is D.", "D"),
        ("Answer: c", "C"),
        ("答案：（C）", "C"),
        ("A", "A"),
        ("<think>maybe A</think>The answer is B", "B"),
    ],
)
def test_choices(text: str, letter: str) -> None:
    assert answer_choice(text) == letter


def test_choice_none() -> None:
    assert answer_choice("I am not sure about any of them") is None


@pytest.mark.parametrize(
    ("spec", "text", "ok"),
    [
        ({"type": "numeric", "answer": 120}, "一共一百二十个。", True),
        ({"type": "numeric", "answer": 120}, "121", False),
        ({"type": "numeric", "answer": 1.58, "tolerance": 0.01}, "19/12", True),
        ({"type": "numeric", "answer": 20}, "It is 20%.", True),
        ({"type": "choice", "answer": "b"}, "选 B", True),
        ({"type": "exact", "answer": "Paris"}, " paris. ", True),
        ({"type": "exact", "answer": "Paris"}, "It is Paris", False),
        ({"type": "contains", "answer": ["Canberra", "堪培拉"]}, "首都是堪培拉", True),
        ({"type": "not_contains", "answer": "Sydney"}, "Canberra, not sydney", False),
        ({"type": "regex", "answer": r"^H[2₂]O$"}, "H₂O", True),
        (
            {
                "type": "json_schema",
                "schema": {
                    "type": "object",
                    "required": ["a"],
                    "properties": {"a": {"type": "integer"}},
                },
            },
            '```json\n{"a": 3}\n```',
            True,
        ),
        (
            {"type": "json_schema", "schema": {"type": "object", "required": ["a"]}},
            '{"b": 1}',
            False,
        ),
        ({"type": "json_schema", "schema": {"type": "object"}}, "not json", False),
    ],
)
def test_checks(spec: dict, text: str, ok: bool) -> None:
    assert check(GradeSpec.model_validate(spec), text).passed is ok


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "numeric"},
        {"type": "numeric", "answer": "x"},
        {"type": "json_schema"},
        {"type": "judge"},
        {"type": "nope"},
    ],
)
def test_bad_specs(bad: dict) -> None:
    with pytest.raises(ValueError):
        GradeSpec.model_validate(bad)
