"""`bench providers --check`: one tiny request per vendor whose key is set.

Opt-in and never run in CI; it spends a few tokens per vendor to prove the key, the host and
bench's parsing agree before a long run is started. One attempt each (a probe reports what
the vendor answers now, it does not wait out a bad minute), through the one Caller. A summary
quotes what the vendor said, and a server may echo the key it was sent: every configured
secret is masked before a summary is returned for printing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from harness.calls import loop
from harness.calls.caller import Call, Caller
from harness.calls.http import Timeouts
from harness.calls.limits import Limits
from harness.calls.retry import RetryPolicy
from harness.pricing.fx import FxRate
from harness.results.redact import redact
from providers import resolve
from providers.base import Answer, Params
from providers.catalog import Vendor

PROMPT = "Reply with the single word: ok"
TIMEOUTS = Timeouts(read_s=30, deadline_s=60)


@dataclass(slots=True)
class ProbeResult:
    ref: str
    ok: bool
    summary: str


async def _one(caller: Caller, ref: str) -> ProbeResult:
    target = resolve(ref)
    messages = [{"role": "user", "content": PROMPT}]
    called = await caller.call(Call(target, messages, Params(max_tokens=16), "probe", "check"))
    assert called is not None  # (no budget: nothing refuses a call)
    att, res = called.attempts[-1], called.result
    if isinstance(res, Answer):
        ttft = f"TTFT {att.ttft_s:.2f}s, " if att.ttft_s is not None else ""
        detail = f"{res.outcome}: {ttft}E2E {att.e2e_s:.2f}s, model {res.model_reported or '?'}"
        if res.block:
            detail += f", block {res.block}"
        return ProbeResult(ref, res.outcome in ("ok", "truncated"), redact(detail))
    return ProbeResult(ref, False, redact(f"{res.kind}: {res.message}"))


def probe_vendors(vendors: list[Vendor]) -> list[ProbeResult]:
    refs = [f"{v.id}:{v.check_model}" for v in vendors if v.check_model and v.key_is_set()]

    async def run() -> list[ProbeResult]:
        async with Caller(
            fx=FxRate.from_env(),
            limits=Limits(concurrency=max(1, len(refs))),
            timeouts=TIMEOUTS,
            policy=RetryPolicy(max_attempts=1),
        ) as caller:
            return list(await asyncio.gather(*(_one(caller, r) for r in refs)))

    return loop.run(run()) if refs else []


__all__ = ["ProbeResult", "probe_vendors"]
