"""The comparisons behind findings: Holm's adjustment, paired rates, paired bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from harness.analysis.compare import (
    Comparison,
    holm,
    paired_bootstrap,
    paired_rates,
    quantile,
    ratio,
)


def _c(p: float) -> Comparison:
    return Comparison("a", "b", 0.0, 0.0, 0.0, 0.0, 10, p, "t")


def test_holm_step_down_known_values() -> None:
    # p sorted 0.01, 0.02, 0.03, 0.04 of m=4: ×4, ×3, ×2, ×1, then made monotone
    done = holm([_c(0.03), _c(0.01), _c(0.04), _c(0.02)])
    assert [c.p_adj for c in done] == pytest.approx([0.06, 0.04, 0.06, 0.06])
    assert [c.significant for c in done] == [False, True, False, False]
    assert holm([_c(0.9), _c(0.8)])[0].p_adj == 1.0  # capped at 1


def test_paired_rates_interval_and_direction() -> None:
    x = [True] * 30 + [False] * 30  # A: 50%
    y = [False] * 24 + [True] * 6 + [False] * 30  # B: 10%, all of B's within A's
    c = holm([paired_rates("A", "B", x, y)])[0]
    assert c.a_value == pytest.approx(0.5) and c.b_value == pytest.approx(0.1)
    assert c.diff == pytest.approx(0.4) and c.low < 0.4 < c.high and c.low > 0
    assert c.significant
    same = holm([paired_rates("A", "B", x, list(x))])[0]
    assert same.diff == 0 and not same.significant
    assert paired_rates("A", "B", [True] * 5, [False] * 5) is None  # too few items to claim


def test_paired_bootstrap_finds_a_shift_and_not_noise() -> None:
    rng = np.random.default_rng(1)
    base = rng.gamma(2.0, 0.2, 400)
    slower = base + 0.05 + rng.normal(0, 0.01, 400)
    shifted = holm([paired_bootstrap("A", "B", base, slower, quantile(0.5))])[0]
    assert shifted.diff == pytest.approx(-0.05, abs=0.01) and shifted.high < 0
    assert shifted.significant
    noise = base + rng.normal(0, 0.01, 400) * rng.choice([-1, 1], 400)
    flat = holm([paired_bootstrap("A", "B", base, noise, quantile(0.5))])[0]
    assert flat.low <= 0 <= flat.high and not flat.significant


def test_cost_per_correct_ratio() -> None:
    cheap = np.column_stack([np.full(50, 0.001), np.r_[np.ones(40), np.zeros(10)]])
    dear = np.column_stack([np.full(50, 0.002), np.r_[np.ones(40), np.zeros(10)]])
    assert ratio(cheap[None])[0] == pytest.approx(0.05 / 40)
    c = holm([paired_bootstrap("cheap", "dear", cheap, dear, ratio)])[0]
    assert c.diff == pytest.approx(0.05 / 40 - 0.1 / 40) and c.significant
