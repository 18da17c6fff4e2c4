"""Two-sided comparisons behind a report's findings, and how many of them may be wrong.

A finding claims a difference only when its test says so after adjustment for every other test
the findings ran, so the tests here return p-values, not only intervals:

- Yes/no outcomes on shared items (not answered, quality pass): the exact McNemar test of
  `stats.mcnemar`; the difference of the two paired rates gets the Wald interval for paired
  proportions (Agresti), as the test itself has none.
- Figures of a whole sample (a latency quantile, cost per correct answer): a paired bootstrap
  over the shared items (fixed seed, at most `MAX_PAIRS` of them), its percentile interval, and a
  p-value from the bootstrap standard error (normal approximation). A percentile p-value is
  grainy (no smaller than 1 / resamples), which no finding could survive after Holm.
- `holm`: Holm's step-down adjustment; applied to every test behind the findings at once, the
  chance that any finding in a report is a false positive stays at most `ALPHA`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as sp

from harness.analysis.stats import ALPHA, mcnemar
from harness.analysis.stats import holm as holm_p

Z = float(sp.norm.ppf(1 - ALPHA / 2))
MIN_PAIRS = 10
"""Fewer shared items than this and a comparison is not made (no claim can rest on it)."""
RESAMPLES = 1000
MAX_PAIRS = 2000
"""Bootstrap on at most this many items (a seeded sample): a report compares each leader with
every other model on two quantiles, and the interval from 2,000 items is already narrow."""

Stat = Callable[[np.ndarray], np.ndarray]
"""Rows (resamples × items × columns) → one figure per resample."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """A against B on n shared items: each side's figure, A − B with its 95% interval, the raw
    p-value and (after `holm`) the adjusted one."""

    a: str
    b: str
    a_value: float
    b_value: float
    low: float
    high: float
    n: int
    p: float
    method: str
    p_adj: float = float("nan")

    @property
    def diff(self) -> float:
        return self.a_value - self.b_value

    @property
    def significant(self) -> bool:
        return self.p_adj < ALPHA


def paired_rates(a: str, b: str, x: list[bool], y: list[bool]) -> Comparison | None:
    """McNemar on shared items; x[i] and y[i] are the same item under A and B."""
    if len(x) < MIN_PAIRS:
        return None
    t = mcnemar(x, y)
    n, d = t.n, t.b - t.c
    se = np.sqrt(max(t.b + t.c - d * d / n, 0.0)) / n
    diff = d / n
    low, high = max(diff - Z * se, -1.0), min(diff + Z * se, 1.0)
    return Comparison(a, b, t.a_rate, t.b_rate, low, high, n, t.p_value, "McNemar exact")


def quantile(q: float) -> Stat:
    return lambda rows: np.quantile(rows[..., 0], q, axis=-1)


def ratio(rows: np.ndarray) -> np.ndarray:
    """Sum of the first column over sum of the second (cost per correct answer)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return rows[..., 0].sum(axis=-1) / rows[..., 1].sum(axis=-1)


def paired_bootstrap(a: str, b: str, x: np.ndarray, y: np.ndarray, stat: Stat) -> Comparison | None:
    """x[i] and y[i] (rows of columns) are the same item under A and B."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    if len(x) < MIN_PAIRS:
        return None
    n = len(x)
    if n > MAX_PAIRS:
        keep = np.random.default_rng(11).choice(n, MAX_PAIRS, replace=False)
        x, y = x[keep], y[keep]
    av, bv = float(stat(x[None])[0]), float(stat(y[None])[0])
    if not (np.isfinite(av) and np.isfinite(bv)):
        return None
    idx = np.random.default_rng(7).integers(0, len(x), (RESAMPLES, len(x)), dtype=np.int32)
    diffs = stat(x[idx]) - stat(y[idx])
    diffs = diffs[np.isfinite(diffs)]
    low, high = (float(v) for v in np.percentile(diffs, [50 * ALPHA, 100 - 50 * ALPHA]))
    se = float(diffs.std(ddof=1)) if len(diffs) > 1 else 0.0
    # no spread in the resamples: the difference is all there is (or there is none)
    p = float(2 * sp.norm.sf(abs(av - bv) / se)) if se > 0 else float(av == bv)
    return Comparison(a, b, av, bv, low, high, n, p, "paired bootstrap")


def holm(comparisons: list[Comparison]) -> list[Comparison]:
    """Each comparison with its Holm-adjusted p-value (same order)."""
    adjusted = holm_p([c.p for c in comparisons])
    return [replace(c, p_adj=p) for c, p in zip(comparisons, adjusted, strict=True)]


__all__ = [
    "MIN_PAIRS",
    "Comparison",
    "holm",
    "paired_bootstrap",
    "paired_rates",
    "quantile",
    "ratio",
]
