"""The CNY → USD rate a run converts at, and where it came from (stated in every manifest)."""

from __future__ import annotations

import os
from dataclasses import dataclass

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
            return cls(
                float(value), f"BENCH_CNY_PER_USD ({os.environ.get('BENCH_FX_DATE', 'undated')})"
            )
        return cls(DEFAULT_CNY_PER_USD, "default: genai-prices convention, 2026-05")

    def usd(self, amount: float, currency: str) -> float:
        return amount / self.cny_per_usd if currency == "CNY" else amount


__all__ = ["DEFAULT_CNY_PER_USD", "FxRate"]
