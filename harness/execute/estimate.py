"""`bench run --dry-run`: the plan and what it may cost, with nothing sent.

Input tokens are estimated per job: with tiktoken's encoding when it is installed and its
files are on this machine (OpenAI models), else from characters per token by language; the
method is printed with every figure, since it is an estimate. The cost range runs from the
estimated input alone at the cheapest applicable price to the worst case `--max-cost` would
reserve (upper-bound input, max_tokens of output, no discount).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from harness.calls.budget import input_upper_bound
from harness.execute.jobs import Job
from harness.pricing.quote import FxRate, quote, worst_case_usd
from providers.base import Usage

CHARS_PER_TOKEN = {"en": 4.0, "zh": 1.5}
"""Rough averages for chat models' tokenizers; other languages use 3."""
DEFAULT_OUTPUT = 1024
"""Output cap assumed for the high estimate when the suite sets no max_tokens."""


def _tiktoken():  # type: ignore[no-untyped-def]
    """tiktoken's cl100k encoding if it loads without the network, else None."""
    try:
        import tiktoken
    except ImportError:
        return None
    cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if not cache or not os.path.isdir(cache):
        return None  # it would download its files: not here
    try:
        return tiktoken.get_encoding("cl100k_base")
    except Exception:  # any failure means: use the estimate
        return None


def estimate_tokens(job: Job, encoder) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    text = "\n".join(m["content"] for m in job.messages)
    if encoder is not None and job.target.protocol == "openai_chat":
        return len(encoder.encode(text)) + 4 * len(job.messages), "tiktoken cl100k"
    per = CHARS_PER_TOKEN.get(job.item.lang[:2], 3.0)
    return int(len(text) / per) + 4 * len(job.messages), "chars/token estimate"


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


def plan(jobs: list[Job], fx: FxRate) -> list[ModelPlan]:
    encoder = _tiktoken()
    plans: dict[str, ModelPlan] = {}
    now = datetime.now(UTC)
    per_model: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        per_model[job.target.ref].append(job)
    for ref, group in per_model.items():
        t = group[0].target
        p = plans[ref] = ModelPlan(
            ref,
            t.vendor.id,
            key_env=t.vendor.api_key_env,
            key_set=t.simulated or t.vendor.key_is_set() or not t.vendor.key_required,
        )
        for job in group:
            tokens, method = estimate_tokens(job, encoder)
            p.jobs += 1
            p.input_tokens += tokens
            p.methods.add(method)
            low = quote(
                t.vendor, t.model, None, Usage(input_tokens=tokens, output_tokens=0), now, fx
            )
            high = worst_case_usd(
                t.vendor,
                t.model,
                input_upper_bound(job),
                job.params.max_tokens or DEFAULT_OUTPUT,
                fx,
            )
            p.low_usd = None if low is None or p.low_usd is None else p.low_usd + low.cost_usd
            p.high_usd = None if high is None or p.high_usd is None else p.high_usd + high
    return list(plans.values())


__all__ = ["ModelPlan", "estimate_tokens", "plan"]
