"""The statistics behind every figure in a report: scipy's, not hand-rolled.

- Rates carry a 95% Wilson interval (`scipy.stats.binomtest(...).proportion_ci`).
- Paired yes/no outcomes on shared items (model vs model, EN vs ZH, China item vs its US
  mirror) use McNemar's exact test: a two-sided binomial test on the discordant pairs.
- Latency differences on shared items get a paired bootstrap interval of the median difference
  (`scipy.stats.bootstrap`, percentile method, fixed seed so reports are reproducible).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class Rate:
    k: int
    n: int
    low: float
    high: float

    @property
    def value(self) -> float:
        return self.k / self.n if self.n else float("nan")

    def fmt(self) -> str:
        if not self.n:
            return "–"
        return f"{self.value:.0%} [{self.low:.0%}–{self.high:.0%}]"


def wilson(k: int, n: int) -> Rate:
    if n == 0:
        return Rate(0, 0, float("nan"), float("nan"))
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=1 - ALPHA, method="wilson")
    return Rate(k, n, float(ci.low), float(ci.high))


@dataclass(frozen=True, slots=True)
class Paired:
    """McNemar on n shared items: b = only A had the outcome, c = only B had it."""

    n: int
    a_rate: float
    b_rate: float
    b: int
    c: int
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA


def mcnemar(a: list[bool], b: list[bool]) -> Paired:
    """Exact McNemar test of paired outcomes (same items, two conditions)."""
    if len(a) != len(b):
        raise ValueError("paired outcomes need the same items on both sides")
    only_a = sum(x and not y for x, y in zip(a, b, strict=True))
    only_b = sum(y and not x for x, y in zip(a, b, strict=True))
    n = len(a)
    p = 1.0 if only_a + only_b == 0 else float(stats.binomtest(only_a, only_a + only_b, 0.5).pvalue)
    return Paired(
        n, sum(a) / n if n else float("nan"), sum(b) / n if n else float("nan"), only_a, only_b, p
    )


def holm(p_values: list[float]) -> list[float]:
    """Holm-adjusted p-values (same order): several comparisons read together keep a 5%
    family-wise error, so "significant" still means what it says. (scipy has no Holm; the
    step-down is four lines.)"""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    out, running = [0.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        out[i] = running
    return out


@dataclass(frozen=True, slots=True)
class Diff:
    median: float
    low: float
    high: float
    n: int

    @property
    def significant(self) -> bool:
        return not (self.low <= 0.0 <= self.high)


MAX_PAIRS = 5000
"""Bootstrap on at most this many pairs (a seeded random sample): the interval of a median
from 5,000 pairs is already narrow, and resampling a million would cost gigabytes."""


def bootstrap_median_diff(a: list[float], b: list[float], resamples: int = 1000) -> Diff | None:
    """Paired: a[i] and b[i] are the same item under two models."""
    x, y = np.asarray(a, float), np.asarray(b, float)
    if len(x) < 3:
        return None
    n = len(x)
    if n > MAX_PAIRS:
        keep = np.random.default_rng(11).choice(n, MAX_PAIRS, replace=False)
        x, y = x[keep], y[keep]
    median = float(np.median(x - y))
    if np.allclose(x - y, median):
        return Diff(median, median, median, len(x))
    res = stats.bootstrap(
        (x, y),
        lambda p, q, axis=-1: np.median(p - q, axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=resamples,
        method="percentile",
        confidence_level=1 - ALPHA,
        random_state=np.random.default_rng(7),
    )
    ci = res.confidence_interval
    return Diff(median, float(ci.low), float(ci.high), n)


@dataclass(frozen=True, slots=True)
class Mean:
    """A mean with its 95% bootstrap interval (percentile, fixed seed)."""

    value: float
    low: float
    high: float
    n: int

    def fmt(self, percent: bool = True) -> str:
        if not self.n:
            return "–"
        if percent:
            return f"{self.value:.0%} [{self.low:.0%}–{self.high:.0%}]"
        return f"{self.value:.3g} [{self.low:.3g}–{self.high:.3g}]"


def bootstrap_mean(values: list[float], resamples: int = 1000) -> Mean:
    x = np.asarray(values, float)
    if len(x) == 0:
        return Mean(float("nan"), float("nan"), float("nan"), 0)
    mean = float(x.mean())
    if len(x) < 3 or np.allclose(x, mean):
        return Mean(mean, mean, mean, len(x))
    if len(x) > MAX_PAIRS:
        x = x[np.random.default_rng(11).choice(len(x), MAX_PAIRS, replace=False)]
    res = stats.bootstrap(
        (x,),
        np.mean,
        vectorized=True,
        n_resamples=resamples,
        method="percentile",
        confidence_level=1 - ALPHA,
        random_state=np.random.default_rng(7),
    )
    ci = res.confidence_interval
    return Mean(mean, float(ci.low), float(ci.high), len(values))


__all__ = [
    "ALPHA",
    "Diff",
    "Mean",
    "Paired",
    "Rate",
    "bootstrap_mean",
    "bootstrap_median_diff",
    "holm",
    "mcnemar",
    "wilson",
]
