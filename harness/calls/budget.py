"""`--max-cost`: spend is reserved before a request goes out, so the cap is never passed.

Each job reserves its worst case: an upper bound on input tokens (a token is at least one
byte, plus a per-message allowance for the chat template) priced at the dearest tier it could
fall in, plus max_tokens at the dearer of output and reasoning prices, with no off-peak
discount. When the next reservation would pass the cap, no more jobs are started; the run
ends as `budget_exhausted` and resumes with a higher cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import ConfigError
from harness.execute.jobs import Job
from harness.pricing.quote import FxRate, worst_case_usd

TEMPLATE_TOKENS = 16
"""Allowance per message for role markers and template tokens the vendor counts as input."""


def input_upper_bound(job: Job) -> int:
    return sum(len(m["content"].encode()) + TEMPLATE_TOKENS for m in job.messages)


def worst_case(job: Job, fx: FxRate) -> float:
    max_tokens = job.params.max_tokens
    if max_tokens is None:
        raise ConfigError(
            "--max-cost needs params.max_tokens in the suite (the output cap is "
            "part of every job's worst case)"
        )
    cost = worst_case_usd(
        job.target.vendor, job.target.model, input_upper_bound(job), max_tokens, fx
    )
    if cost is None:
        raise ConfigError(
            f"--max-cost: {job.target.ref} has no price; add one to the catalog "
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


__all__ = ["Budget", "input_upper_bound", "worst_case"]
