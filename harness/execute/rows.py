"""A finished job → its response row: who was asked what, what came back, how fast, at what cost.

Each part of a row is built by one function with a fixed set of columns; `ResponseRow`
requires every column, so a part that forgets or misspells one fails where it is built.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from harness.calls.caller import Called
from harness.calls.http import Attempt
from harness.execute.jobs import Job
from harness.pricing.quote import Quote
from harness.results.records import ResponseRow
from providers.base import Answer

ANSWER = (
    "model_reported",
    "response_id",
    "system_fingerprint",
    "upstream_provider",
    "text",
    "reasoning",
    "outcome",
    "block",
    "finish_reason",
    "http_status",
    "error_kind",
    "error_body",
    "input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "cached_tokens",
)
"""Columns that say what came back."""
LATENCY = ("ttft_s", "ttfat_s", "e2e_s", "tpot_s", "output_tps", "chars_per_s")
"""Columns that say how fast it came back (empty for a row that measured nothing)."""
COST = (
    "cost_usd",
    "cost_original",
    "price_input",
    "price_output",
    "price_cached",
    "price_currency",
    "price_source",
    "price_checked",
    "price_tier",
)
"""Columns that say what it cost and at which prices."""


def identity(run_id: str, job: Job, key: str) -> dict[str, Any]:
    """Who, where and what was asked: the part of a row that does not depend on the answer."""
    t, item = job.target, job.item
    return {
        "run_id": run_id,
        "job_id": job.job_id,
        "case_id": item.id,
        "repeat": job.repeat,
        "model": t.ref,
        "vendor": t.vendor.id,
        "endpoint": t.endpoint_id,
        "region": t.endpoint.region,
        "host": urlsplit(t.base_url).hostname,
        "hq": t.vendor.hq,
        "protocol": t.protocol,
        "model_requested": t.model,
        "lang": item.lang,
        "category": item.category,
        "tags": list(item.tags),
        "form": item.form,
        "pair_id": item.pair_id,
        "mirror_id": item.mirror_id,
        "system": job.system,
        "prompt": job.prompt,
        "cache_key": key,
        "simulated": job.target.simulated,
    }


def _answer(res: Answer) -> dict[str, Any]:
    u = res.usage
    return {
        "model_reported": res.model_reported,
        "response_id": res.response_id,
        "system_fingerprint": res.system_fingerprint,
        "upstream_provider": res.upstream_provider,
        "text": res.text,
        "reasoning": res.reasoning,
        "outcome": res.outcome,
        "block": res.block,
        "finish_reason": res.finish_reason,
        "http_status": res.http_status,
        "error_kind": None,
        "error_body": res.error_body,
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "reasoning_tokens": u.reasoning_tokens,
        "cached_tokens": u.cached_tokens,
    }


def _latency(res: Answer | None, att: Attempt) -> dict[str, Any]:
    """TTFT, E2E, and TPOT, output tokens/s and characters/s after the first token."""
    out = dict.fromkeys(LATENCY)
    out["e2e_s"] = att.e2e_s
    if res is None:
        return out
    out.update(ttft_s=att.ttft_s, ttfat_s=att.ttfat_s)
    if att.ttft_s is None:
        return out
    gen = att.e2e_s - att.ttft_s
    n = res.usage.output_tokens
    if n and n > 1 and gen > 0:
        out.update(tpot_s=gen / (n - 1), output_tps=(n - 1) / gen)
    chars = len(res.text) + len(res.reasoning)
    if gen > 0 and chars:
        out["chars_per_s"] = chars / gen
    return out


def _cost(q: Quote | None) -> dict[str, Any]:
    if q is None:
        return dict.fromkeys(COST)
    return {
        "cost_usd": q.cost_usd,
        "cost_original": q.cost_original,
        "price_input": q.input,
        "price_output": q.output,
        "price_cached": q.cached,
        "price_currency": q.currency,
        "price_source": q.source + (" (off-peak)" if q.offpeak else ""),
        "price_checked": q.checked,
        "price_tier": q.tier,
    }


def response_row(run_id: str, job: Job, called: Called, key: str) -> ResponseRow:
    last = called.attempts[-1]
    res = last.result
    if isinstance(res, Answer):
        answer = _answer(res)
    else:
        answer = dict.fromkeys(ANSWER) | {
            "text": "",
            "reasoning": "",
            "outcome": "error",
            "error_kind": res.kind,
            "error_body": res.body or res.message,
        }
    answer["http_status"] = last.status
    return ResponseRow(
        **identity(run_id, job, key),
        **answer,
        **_latency(res if isinstance(res, Answer) else None, last),
        **_cost(called.quote),
        dropped_params=list(called.wire.dropped_params),
        attempts=len(called.attempts),
        started_at=last.started_at,
        cached=False,
        latency_suspect=last.suspect,
    )


def cached_row(run_id: str, job: Job, key: str, hit: dict[str, Any]) -> ResponseRow:
    """A row served by --cache: this job's identity, the earlier answer, no latency."""
    return ResponseRow(
        **identity(run_id, job, key),
        **{k: hit[k] for k in (*ANSWER, *COST)},
        **dict.fromkeys(LATENCY),
        dropped_params=[],
        attempts=0,
        started_at=time.time(),
        cached=True,
        latency_suspect=False,
    )


__all__ = ["ANSWER", "COST", "LATENCY", "cached_row", "identity", "response_row"]
