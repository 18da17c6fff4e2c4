"""A finished job → its response row: who was asked what, what came back, how fast, at what cost.

Each part of a row is built by one function with a fixed set of columns; `ResponseRow`
requires every column, so a part that forgets or misspells one fails where it is built.

What came back is the vendor's to say, so its columns are coerced to their declared types
here, the last guard before the journal (which would skip a line of the wrong types) and
Parquet (which would refuse it): a string column takes a number as its text, an integer column
a whole number within int64, a float column a finite number; anything else becomes null.
"""

from __future__ import annotations

import math
import time
import types
import typing
from collections.abc import Callable
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


INT64 = (-(2**63), 2**63 - 1)


def _str(value: Any) -> str | None:
    if value.__class__ is str:
        return value
    return str(value) if isinstance(value, int | float) else None


def _int(value: Any) -> int | None:
    if value.__class__ is int:
        return value if INT64[0] <= value <= INT64[1] else None
    if value.__class__ is float and value.is_integer() and INT64[0] <= value <= INT64[1]:
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if value.__class__ is float:
        return value if math.isfinite(value) else None
    if value.__class__ is int:
        try:
            return float(value)
        except OverflowError:
            return None
    return None


_COERCE: dict[type, Callable[[Any], Any]] = {str: _str, int: _int, float: _float}


def _coercions() -> tuple[tuple[str, Callable[[Any], Any], Any], ...]:
    """(column, coercion, what a required column holds when the value is unusable) for the
    columns that carry what the vendor sent, from ResponseRow's type hints."""
    hints = typing.get_type_hints(ResponseRow)
    out = []
    for name in (*ANSWER, *LATENCY, *COST):
        hint, required = hints[name], True
        if isinstance(hint, types.UnionType):
            (hint,) = (a for a in typing.get_args(hint) if a is not type(None))
            required = False
        out.append((name, _COERCE[hint], "" if required else None))
    return tuple(out)


_TYPED = _coercions()


def typed(values: dict[str, Any]) -> dict[str, Any]:
    """The vendor-derived columns among `values` coerced, in place, to their declared types."""
    for name, coerce, fallback in _TYPED:
        value = values.get(name)  # a column the dict lacks is left out
        if value is not None:
            value = coerce(value)
            values[name] = fallback if value is None else value
    return values


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:  # a malformed base URL from the environment: the row still builds
        return None


def identity(run_id: str, job: Job, key: str | None) -> dict[str, Any]:
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
        "host": _host(t.base_url),
        "hq": t.vendor.hq,
        "family": t.family,
        "family_host": t.family_host,
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


def _latency(answer: dict[str, Any] | None, att: Attempt) -> dict[str, Any]:
    """TTFT, E2E, and TPOT, output tokens/s and characters/s after the first token, from the
    answer's columns once they are typed."""
    out = dict.fromkeys(LATENCY)
    out["e2e_s"] = att.e2e_s
    if answer is None:
        return out
    out.update(ttft_s=att.ttft_s, ttfat_s=att.ttfat_s)
    if att.ttft_s is None:
        return out
    gen = att.e2e_s - att.ttft_s
    n = answer["output_tokens"]
    if n and n > 1 and gen > 0:
        out.update(tpot_s=gen / (n - 1), output_tps=(n - 1) / gen)
    chars = len(answer["text"]) + len(answer["reasoning"])
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
    answer = _answer(res) if isinstance(res, Answer) else _failed(res.kind, res.body or res.message)
    answer["http_status"] = last.status
    typed(answer)
    measured = typed(
        _latency(answer if isinstance(res, Answer) else None, last) | _cost(called.quote)
    )
    return ResponseRow(
        **identity(run_id, job, key),
        **answer,
        **measured,
        dropped_params=list(called.wire.dropped_params),
        attempts=len(called.attempts),
        started_at=last.started_at,
        cached=False,
        latency_suspect=last.suspect,
    )


def _failed(kind: str, body: str) -> dict[str, Any]:
    return dict.fromkeys(ANSWER) | {
        "text": "",
        "reasoning": "",
        "outcome": "error",
        "error_kind": kind,
        "error_body": body,
    }


def failed_row(run_id: str, job: Job, key: str | None, kind: str, message: str) -> ResponseRow:
    """A job that failed without a finished call to show (bench raised around it): an error
    row of `kind`, no attempts, nothing measured or priced."""
    return ResponseRow(
        **identity(run_id, job, key),
        **_failed(kind, message),
        **dict.fromkeys((*LATENCY, *COST)),
        dropped_params=[],
        attempts=0,
        started_at=time.time(),
        cached=False,
        latency_suspect=False,
    )


def cached_row(run_id: str, job: Job, key: str, hit: dict[str, Any]) -> ResponseRow:
    """A row served by --cache: this job's identity, the earlier answer, no latency."""
    return ResponseRow(
        **identity(run_id, job, key),
        **typed({k: hit[k] for k in (*ANSWER, *COST)} | dict.fromkeys(LATENCY)),
        dropped_params=[],
        attempts=0,
        started_at=time.time(),
        cached=True,
        latency_suspect=False,
    )


__all__ = [
    "ANSWER",
    "COST",
    "LATENCY",
    "cached_row",
    "failed_row",
    "identity",
    "response_row",
    "typed",
]
