"""Turning a finished job (its attempts) into one response row and its attempt rows."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from harness.http import Attempt
from harness.jobs import Job
from harness.pricing import FxRate, cost_usd, price_for
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


def response_row(
    run_id: str, job: Job, wire: WireRequest, attempts: list[Attempt], fx: FxRate
) -> dict[str, Any]:
    t, item, last = job.target, job.item, attempts[-1]
    res = last.result
    row: dict[str, Any] = {
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
        "dropped_params": list(wire.dropped_params),
        "attempts": len(attempts),
        "started_at": last.started_at,
        "simulated": t.simulated,
        "e2e_s": last.e2e_s,
        "http_status": last.status,
    }
    if isinstance(res, Failure):
        row.update(
            outcome="error",
            error_kind=res.kind,
            error_body=res.body or res.message,
            text="",
            reasoning="",
        )
        return row
    price = price_for(t.vendor, t.model, res.model_reported)
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
        cost_usd=cost_usd(price, u, fx),
    )
    if price is not None:
        row.update(
            price_input=price.input,
            price_output=price.output,
            price_cached=price.cached_input,
            price_currency=price.currency,
            price_source=price.source,
            price_checked=price.checked,
        )
    return row


__all__ = ["attempt_rows", "response_row"]
