"""Cost of one response from reported usage and the catalog's list prices.

A model with no price is unpriced (cost null), never free. CNY list prices convert to USD
at a rate stated in the run manifest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from providers.base import Usage
from providers.catalog import Price, Vendor

DEFAULT_CNY_PER_USD = 7.25
"""genai-prices' stated conversion for CNY-billed vendors (May/June 2026)."""


@dataclass(frozen=True, slots=True)
class FxRate:
    cny_per_usd: float
    source: str

    @classmethod
    def from_env(cls) -> FxRate:
        value = os.environ.get("BENCH_CNY_PER_USD")
        if value:
            return cls(float(value), "BENCH_CNY_PER_USD")
        return cls(DEFAULT_CNY_PER_USD, "default (genai-prices convention, 2026-05)")


def price_for(vendor: Vendor, model: str, reported: str | None = None) -> Price | None:
    return vendor.prices.get(model) or (vendor.prices.get(reported) if reported else None)


def cost_usd(price: Price | None, usage: Usage, fx: FxRate) -> float | None:
    """Inclusive convention: cached tokens are part of input, reasoning part of output."""
    if price is None or usage.input_tokens is None or usage.output_tokens is None:
        return None
    cached = usage.cached_tokens or 0
    cached_price = price.cached_input if price.cached_input is not None else price.input
    total = (
        (usage.input_tokens - cached) * price.input
        + cached * cached_price
        + usage.output_tokens * price.output
    ) / 1e6
    return total / fx.cny_per_usd if price.currency == "CNY" else total


__all__ = ["DEFAULT_CNY_PER_USD", "FxRate", "cost_usd", "price_for"]
