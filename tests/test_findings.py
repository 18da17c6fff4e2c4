"""Findings from labelled answers with planted figures: who is cheapest per correct answer,
who has the highest quality, and no claim where the models were made the same."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.reporting.findings import derive
from harness.suites.model import Sensitivity

SENS = Sensitivity(levels={"cn": "China-sensitive", "ok": "benign"}, focus="cn", control="ok")
ITEMS = 200


def _answers(model: str, cost: float, passed: np.ndarray, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "model": model,
            "run_id": "r",
            "case_id": [f"c{i}" for i in range(ITEMS)],
            "repeat": 0,
            "lang": np.where(np.arange(ITEMS) % 2, "zh", "en"),
            "sensitivity": np.where(np.arange(ITEMS) < 100, "cn", "ok"),
            "not_answered": False,
            "quality_pass": passed.astype(object),
            "cost_usd": cost,
            "ttft_s": rng.gamma(4.0, 0.05, ITEMS),  # the same distribution for every model
            "outcome": "ok",
            "cached": False,
            "mirror_id": None,
            "pair_id": None,
        }
    )


def _planted() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    good = rng.random(ITEMS) < 0.8
    poor = good & (rng.random(ITEMS) < 0.55)  # fails where `good` fails, and more
    return pd.concat(
        [
            _answers("cheap", 0.001, good, 1),
            _answers("dear", 0.003, good, 2),  # same answers, three times the price
            _answers("weak", 0.0011, poor, 3),  # about the same price, fewer correct answers
        ],
        ignore_index=True,
    )


def _by_topic(df: pd.DataFrame) -> dict[str, list]:  # type: ignore[type-arg]
    out: dict[str, list] = {}  # type: ignore[type-arg]
    for f in derive(df, SENS).items:
        out.setdefault(f.topic, []).append(f)
    return out


def test_cheapest_per_correct_answer_and_highest_quality() -> None:
    found = _by_topic(_planted())
    (cost,) = found["Cheapest per correct answer"]
    assert cost.claim and cost.models == ("cheap",)
    assert all(t.significant and t.diff < 0 for t in cost.tests)
    assert "USD" in cost.text and "[" in cost.detail and "paired bootstrap" in cost.detail
    quality = next(f for topic, fs in found.items() for f in fs if "quality" in topic.lower())
    assert quality.claim and quality.models[0] in ("cheap", "dear")
    verdict = {t.b: t.significant for t in quality.tests}
    assert verdict["weak"] and not verdict[({"cheap", "dear"} - set(quality.models)).pop()]


def test_no_difference_makes_no_claim() -> None:
    found = _by_topic(_planted())
    ttft = [f for topic, fs in found.items() for f in fs if "TTFT" in topic]
    assert ttft and not any(f.claim for f in ttft)
    assert all("no significant difference" in f.text for f in ttft)


def test_without_quality_verdicts_it_says_so() -> None:
    df = _planted().assign(quality_pass=None)
    found = derive(df, SENS)
    assert not any("correct" in f.topic or "quality" in f.topic.lower() for f in found.items)
    assert any(n.startswith("No quality measure") for n in found.notes)
