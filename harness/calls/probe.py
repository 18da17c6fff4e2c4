"""`bench providers --check`: one tiny request per vendor whose key is set.

Opt-in and never run in CI; it spends a few tokens per vendor to prove the key, the host and
bench's parsing agree before a long run is started.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from harness.calls.http import ClientPool, Timeouts, attempt
from providers import adapter_for, resolve
from providers.base import Answer, Params
from providers.catalog import Vendor

PROMPT = "Reply with the single word: ok"


@dataclass(slots=True)
class CheckResult:
    ref: str
    ok: bool
    summary: str


async def _one(pool: ClientPool, slot: int, ref: str, timeouts: Timeouts) -> CheckResult:
    target = resolve(ref)
    adapter = adapter_for(target)
    wire = adapter.build(target, [{"role": "user", "content": PROMPT}], Params(max_tokens=16))
    att = await attempt(pool.client(slot), adapter, target, wire, timeouts.deadline_s)
    res = att.result
    if isinstance(res, Answer):
        ttft = f"TTFT {att.ttft_s:.2f}s, " if att.ttft_s is not None else ""
        detail = f"{res.outcome}: {ttft}E2E {att.e2e_s:.2f}s, model {res.model_reported or '?'}"
        if res.block:
            detail += f", block {res.block}"
        return CheckResult(ref, res.outcome in ("ok", "truncated"), detail)
    return CheckResult(ref, False, f"{res.kind}: {res.message}")


def check(
    vendors: list[Vendor], timeouts: Timeouts = Timeouts(read_s=30, deadline_s=60)
) -> list[CheckResult]:
    refs = [f"{v.id}:{v.check_model}" for v in vendors if v.check_model and v.key_is_set()]

    async def run() -> list[CheckResult]:
        pool = ClientPool(max(1, len(refs)), timeouts)
        try:
            return list(
                await asyncio.gather(*(_one(pool, i, r, timeouts) for i, r in enumerate(refs)))
            )
        finally:
            await pool.aclose()

    return asyncio.run(run()) if refs else []


__all__ = ["CheckResult", "check"]
