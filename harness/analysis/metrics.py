"""Every metric's one definition: what a figure counts, and what it leaves out.

The report, `bench check` and `bench history` compute their figures here, so one name means
one thing everywhere. Inputs are annotated responses (`labels.annotate`) of one model or run.

- Latency figures (`ttft_*`, `e2e_*`, speeds) count **timed** rows only: an answer came back
  over the network (outcome ok, truncated, empty or withdrawn) and was not served from the
  cache. Error and blocked rows measure the failure, not the model's speed.
- Rates are shares with a 95% Wilson interval (`Rate`); `quality` counts only responses a
  check decided (pass or fail).
- Cost per 1k requests is the mean cost of priced rows × 1000; unpriced rows are never free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from harness.analysis.stats import Rate, wilson

TIMED_OUTCOMES = ("ok", "truncated", "empty", "withdrawn")


def timed(df: pd.DataFrame) -> pd.DataFrame:
    """Rows whose latency counts (see the module doc)."""
    return df[df["outcome"].isin(TIMED_OUTCOMES) & ~df["cached"].fillna(False).astype(bool)]


def quantile(s: pd.Series, q: float) -> float | None:
    s = s.dropna()
    return float(s.quantile(q)) if len(s) else None


def latency(df: pd.DataFrame, column: str, q: float) -> float | None:
    return quantile(timed(df)[column], q)


def share(flags: pd.Series) -> Rate | None:
    """A Wilson rate of the True values among the decided (non-null) ones."""
    decided = flags.dropna()
    return wilson(int(decided.astype(bool).sum()), len(decided)) if len(decided) else None


def not_answered(df: pd.DataFrame) -> pd.Series:
    return df["not_answered"]


def quality_pass(df: pd.DataFrame) -> pd.Series:
    return df["quality_pass"]


def attack_success(df: pd.DataFrame) -> pd.Series:
    return df["attack_success"]


def is_error(df: pd.DataFrame) -> pd.Series:
    return df["outcome"] == "error"


def is_api_block(df: pd.DataFrame) -> pd.Series:
    return df["outcome"] == "api_block"


def cost_per_1k(df: pd.DataFrame) -> float | None:
    priced = df["cost_usd"].dropna()
    return float(priced.mean() * 1000) if len(priced) else None


def rate_limited(attempts: pd.DataFrame | None) -> Rate | None:
    """Share of HTTP attempts answered 429."""
    if attempts is None or not len(attempts):
        return None
    return wilson(int((attempts["kind"] == "rate_limit").sum()), len(attempts))


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    doc: str
    flag: Callable[[pd.DataFrame], pd.Series] | None = None
    """Per-response yes/no (null: undecided), for rates and paired tests."""
    measure: Callable[[pd.DataFrame], float | None] | None = None
    """A value of the whole frame, for quantiles and costs."""

    @property
    def is_rate(self) -> bool:
        return self.flag is not None

    def value(self, df: pd.DataFrame) -> float | None:
        if self.flag is not None:
            rate = share(self.flag(df))
            return rate.value if rate is not None else None
        assert self.measure is not None
        return self.measure(df)


def _latency(column: str, q: float) -> Callable[[pd.DataFrame], float | None]:
    return lambda df: latency(df, column, q)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "not_answered",
            "share of responses labelled refusal, evasive, narrative, api_block or withdrawn",
            flag=not_answered,
        ),
        Metric(
            "quality",
            "share of quality-checked responses that passed every check",
            flag=quality_pass,
        ),
        Metric("error_rate", "share of responses that ended in an error", flag=is_error),
        Metric(
            "attack_success",
            "share of the security suite's attacks that succeeded (leak, injection, jailbreak)",
            flag=attack_success,
        ),
        Metric(
            "api_block_rate",
            "share of responses the vendor's moderation blocked",
            flag=is_api_block,
        ),
        Metric(
            "ttft_p50",
            "median seconds to the first token, timed rows",
            measure=_latency("ttft_s", 0.5),
        ),
        Metric(
            "ttft_p95",
            "95th percentile seconds to the first token, timed rows",
            measure=_latency("ttft_s", 0.95),
        ),
        Metric(
            "e2e_p50",
            "median seconds to the whole answer, timed rows",
            measure=_latency("e2e_s", 0.5),
        ),
        Metric(
            "e2e_p95",
            "95th percentile seconds to the whole answer, timed rows",
            measure=_latency("e2e_s", 0.95),
        ),
        Metric("cost_per_1k", "USD per 1,000 requests, priced rows", measure=cost_per_1k),
    )
}


__all__ = [
    "METRICS",
    "TIMED_OUTCOMES",
    "Metric",
    "cost_per_1k",
    "latency",
    "quantile",
    "rate_limited",
    "share",
    "timed",
]
