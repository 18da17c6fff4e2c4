"""`--max-cost`: spend is reserved before a request goes out, so the cap is never passed.

Every call reserves its worst case (judges' included): an upper bound on input tokens priced at
the dearest tier it could fall in, plus max_tokens at the dearer of output and reasoning
prices, with no off-peak discount. When the next reservation would pass the cap, no more calls
are started; the run ends as `budget_exhausted` and resumes with a higher cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.calls import tokens
from harness.errors import ConfigError
from harness.pricing.fx import FxRate
from harness.pricing.quote import worst_case_usd
from providers.base import Params, Target


def worst_case(target: Target, messages: tokens.Messages, params: Params, fx: FxRate) -> float:
    """The most one call can cost, in USD; a ConfigError when it cannot be bounded."""
    if params.max_tokens is None:
        raise ConfigError(
            "--max-cost needs params.max_tokens in the suite (the output cap is "
            "part of every job's worst case)"
        )
    cost = worst_case_usd(
        target.vendor, target.model, tokens.upper_bound(messages), params.max_tokens, fx
    )
    if cost is None:
        raise ConfigError(
            f"--max-cost: {target.ref} has no price; add one to the catalog "
            "(prices:) or drop the model"
        )
    return cost


@dataclass(slots=True)
class Budget:
    cap_usd: float
    spent_usd: float = 0.0
    reserved_usd: float = 0.0
    exhausted: bool = False

    def reserve(self, amount: float) -> bool:
        if self.spent_usd + self.reserved_usd + amount > self.cap_usd:
            self.exhausted = True
            return False
        self.reserved_usd += amount
        return True

    def settle(self, reserved: float, actual: float | None) -> None:
        self.reserved_usd -= reserved
        self.spent_usd += actual or 0.0


__all__ = ["Budget", "worst_case"]
