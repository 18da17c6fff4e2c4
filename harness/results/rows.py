"""Turning a finished job (its attempts) into one response row and its attempt rows."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from harness.calls.http import Attempt
from harness.execute.jobs import Job
from harness.pricing.quote import FxRate, quote
from providers.base import Answer, Failure, WireRequest


def _speeds(ans: Answer, att: Attempt) -> tuple[float | None, float | None, float | None]:
    """TPOT, output tokens/s and characters/s, all measured after the first token."""
    if att.ttft_s is None:
        return None, None, None
    gen = att.e2e_s - att.ttft_s
    out = ans.usage.output_tokens
    tpot = gen / (out - 1) if out and out > 1 and gen > 0 else None
    tps = (out - 1) / gen if out and out > 1 and gen > 0 else None
    chars = len(ans.text) + len(ans.reasoning)
    cps = chars / gen if gen > 0 and chars else None
    return tpot, tps, cps


def attempt_rows(run_id: str, job: Job, attempts: list[Attempt]) -> list[dict[str, Any]]:
    t = job.target
    out = []
    for n, att in enumerate(attempts, 1):
        failure = att.result if isinstance(att.result, Failure) else None
        out.append(
            {
                "run_id": run_id,
                "job_id": job.job_id,
                "attempt": n,
                "vendor": t.vendor.id,
                "endpoint": t.endpoint_id,
                "model": t.ref,
                "started_at": att.started_at,
                "status": att.status,
                "kind": failure.kind if failure else "ok",
                "message": failure.message if failure else None,
                "retry_after_s": failure.retry_after if failure else None,
                "e2e_s": att.e2e_s,
                "ttft_s": att.ttft_s,
            }
        )
    return out


def base_row(run_id: str, job: Job, key: str) -> dict[str, Any]:
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
        "cached": False,
    }


def response_row(
    run_id: str, job: Job, wire: WireRequest, attempts: list[Attempt], fx: FxRate, key: str
) -> dict[str, Any]:
    t, last = job.target, attempts[-1]
    res = last.result
    row = base_row(run_id, job, key)
    row.update(
        {
            "dropped_params": list(wire.dropped_params),
            "attempts": len(attempts),
            "started_at": last.started_at,
            "simulated": t.simulated,
            "e2e_s": last.e2e_s,
            "http_status": last.status,
            "latency_suspect": last.suspect,
        }
    )
    if isinstance(res, Failure):
        row.update(
            outcome="error",
            error_kind=res.kind,
            error_body=res.body or res.message,
            text="",
            reasoning="",
        )
        return row
    q = quote(
        t.vendor,
        t.model,
        res.model_reported,
        res.usage,
        datetime.fromtimestamp(last.started_at, UTC),
        fx,
    )
    tpot, tps, cps = _speeds(res, last)
    u = res.usage
    row.update(
        outcome=res.outcome,
        text=res.text,
        reasoning=res.reasoning,
        finish_reason=res.finish_reason,
        block=res.block,
        error_body=res.error_body,
        model_reported=res.model_reported,
        response_id=res.response_id,
        system_fingerprint=res.system_fingerprint,
        upstream_provider=res.upstream_provider,
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        reasoning_tokens=u.reasoning_tokens,
        cached_tokens=u.cached_tokens,
        ttft_s=last.ttft_s,
        ttfat_s=last.ttfat_s,
        tpot_s=tpot,
        output_tps=tps,
        chars_per_s=cps,
        cost_usd=q.cost_usd if q else None,
    )
    if q is not None:
        row.update(
            cost_original=q.cost_original,
            price_input=q.input,
            price_output=q.output,
            price_cached=q.cached,
            price_currency=q.currency,
            price_source=q.source + (" (off-peak)" if q.offpeak else ""),
            price_checked=q.checked,
            price_tier=q.tier,
        )
    return row


def cached_row(run_id: str, job: Job, key: str, hit: dict[str, Any]) -> dict[str, Any]:
    """A row served by --cache: this job's identity, the earlier answer, no latency."""
    row = base_row(run_id, job, key)
    row.update(hit)
    row.update(started_at=time.time(), simulated=job.target.simulated, dropped_params=[])
    return row


__all__ = ["attempt_rows", "base_row", "cached_row", "response_row"]
