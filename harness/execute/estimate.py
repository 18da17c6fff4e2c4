"""`bench run --dry-run`: the plan and what it may cost, with nothing sent.

Input tokens come from the one estimator (`calls/tokens.py`), whose method is printed with
every figure, since it is an estimate. The cost range runs from the estimated input alone at
the cheapest applicable price to the worst case `--max-cost` would reserve (upper-bound input,
max_tokens of output, no discount).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from harness.calls import tokens
from harness.execute.jobs import Job
from harness.pricing.fx import FxRate
from harness.pricing.quote import quote, worst_case_usd
from providers.base import Usage

DEFAULT_OUTPUT = 1024
"""Output cap assumed for the high estimate when the suite sets no max_tokens."""


@dataclass(slots=True)
class ModelPlan:
    ref: str
    vendor: str
    jobs: int = 0
    input_tokens: int = 0
    methods: set[str] = field(default_factory=set)
    low_usd: float | None = 0.0
    high_usd: float | None = 0.0
    key_env: str = ""
    key_set: bool = True

    def add(self, job: Job, fx: FxRate, now: datetime) -> None:
        t = job.target
        n, method = tokens.estimate(job.messages, job.item.lang, t.protocol)
        self.jobs += 1
        self.input_tokens += n
        self.methods.add(method)
        low = quote(t.vendor, t.model, None, Usage(input_tokens=n, output_tokens=0), now, fx)
        high = worst_case_usd(
            t.vendor,
            t.model,
            tokens.upper_bound(job.messages),
            job.params.max_tokens or DEFAULT_OUTPUT,
            fx,
        )
        self.low_usd = None if low is None or self.low_usd is None else self.low_usd + low.cost_usd
        self.high_usd = None if high is None or self.high_usd is None else self.high_usd + high


def plan(jobs: list[Job], fx: FxRate) -> list[ModelPlan]:
    now = datetime.now(UTC)
    per_model: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        per_model[job.target.ref].append(job)
    plans = []
    for ref, group in per_model.items():
        t = group[0].target
        p = ModelPlan(
            ref,
            t.vendor.id,
            key_env=t.vendor.api_key_env,
            key_set=t.simulated or t.vendor.key_is_set() or not t.vendor.key_required,
        )
        for job in group:
            p.add(job, fx, now)
        plans.append(p)
    return plans


__all__ = ["ModelPlan", "plan"]
