"""Report statistics against known values."""

from __future__ import annotations

import pytest

from harness.analysis.stats import bootstrap_median_diff, mcnemar, wilson


def test_wilson_known_values() -> None:
    r = wilson(8, 10)  # Wilson score interval, 95%
    assert (r.low, r.high) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    zero = wilson(0, 20)
    assert zero.low == 0 and zero.high == pytest.approx(0.1611, abs=1e-4)
    assert wilson(0, 0).fmt() == "–"


def test_mcnemar_exact() -> None:
    # 10 discordant one way, 2 the other: two-sided binomial p = 0.0386
    t = mcnemar([True] * 10 + [False] * 2 + [True] * 5, [False] * 10 + [True] * 2 + [True] * 5)
    assert (
        (t.b, t.c, t.n) == (10, 2, 17)
        and t.p_value == pytest.approx(0.03857, abs=1e-5)
        and t.significant
    )
    same = mcnemar([True, False, True], [True, False, True])
    assert same.p_value == 1.0 and not same.significant
    with pytest.raises(ValueError):
        mcnemar([True], [True, False])


def test_bootstrap_interval_of_a_paired_median_difference() -> None:
    a = [0.20, 0.25, 0.31, 0.22, 0.40, 0.28, 0.35, 0.26, 0.30, 0.24]
    shifted = [x - 0.05 for x in a]
    d = bootstrap_median_diff(a, shifted)
    assert d is not None and d.median == pytest.approx(0.05) and d.significant
    noisy = [x + (0.01 if i % 2 else -0.01) for i, x in enumerate(a)]
    n = bootstrap_median_diff(a, noisy)
    assert n is not None and n.low <= 0 <= n.high and not n.significant
    assert bootstrap_median_diff([1.0, 2.0], [1.0, 2.0]) is None  # too few pairs
