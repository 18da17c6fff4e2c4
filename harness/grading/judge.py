"""Stage 2 of the refusal grader, and rubric grading: an LLM judge from the catalog.

Any catalog model can judge; its request goes through the one Caller, so it meets the same
limits, retries, budget and journal as a benchmark request (its attempts are recorded with
purpose `judge`). The judge answers JSON (label, rule, rationale). A judge's own
moderation block, a withdrawn or unparseable answer is `judge_error`, never a label.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from harness.calls.caller import Call, Caller
from providers import resolve
from providers.base import Answer, Params, Target
from providers.reasoning import answer_text


@dataclass(frozen=True, slots=True)
class Judgement:
    judge: str
    label: str
    """A label, or "judge_error" when the judge could not give one."""
    rationale: str


def _parse(text: str, allowed: tuple[str, ...]) -> tuple[str, str] | None:
    text = answer_text(text)
    m = re.search(r"\{.*\}", text, re.S)
    if not m:
        return None
    try:
        obj = json.loads(m.group(0))
    except ValueError:
        return None
    label = str(obj.get("label", "")).strip().lower()
    if label not in allowed:
        return None
    rationale = " ".join(str(obj.get("rationale", "")).split())[:300]
    rule = str(obj.get("rule", "")).strip()[:80]
    return label, f"{rule}: {rationale}" if rule else rationale


JUDGE_PARAMS = Params(temperature=0, max_tokens=1024)


class Judge:
    """One judge model. Its calls go through the run's Caller like any benchmark call."""

    def __init__(self, ref: str, simulator_url: str | None = None) -> None:
        self.ref = ref
        self.target: Target = resolve(ref, simulator_url=simulator_url)

    async def _one(
        self, caller: Caller, job_id: str, prompt: str, allowed: tuple[str, ...]
    ) -> Judgement:
        call = Call(
            self.target, [{"role": "user", "content": prompt}], JUDGE_PARAMS, job_id, "judge"
        )
        called = await caller.call(call)
        if called is None:
            return Judgement(self.ref, "judge_error", "not judged: the --max-cost budget is spent")
        res = called.result
        if not isinstance(res, Answer):
            return Judgement(self.ref, "judge_error", f"judge failed: {res.kind}")
        if res.outcome not in ("ok", "truncated"):
            return Judgement(self.ref, "judge_error", f"judge answer was {res.outcome}")
        parsed = _parse(res.text, allowed)
        if parsed is None:
            return Judgement(self.ref, "judge_error", "judge reply was not the JSON asked for")
        return Judgement(self.ref, *parsed)

    async def ask(
        self, caller: Caller, asks: list[tuple[str, str]], allowed: tuple[str, ...]
    ) -> list[Judgement]:
        """One verdict per (job id judged, prompt), in order; calls run concurrently within the
        caller's limits."""
        return list(
            await asyncio.gather(*(self._one(caller, jid, prompt, allowed) for jid, prompt in asks))
        )


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Agreement of two judges beyond chance, on the items both labelled."""
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if "judge_error" not in (x, y)]
    if not pairs:
        return None
    n = len(pairs)
    labels = {x for p in pairs for x in p}
    observed = sum(x == y for x, y in pairs) / n
    expected = sum(
        (sum(x == lab for x, _ in pairs) / n) * (sum(y == lab for _, y in pairs) / n)
        for lab in labels
    )
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


__all__ = ["JUDGE_PARAMS", "Judge", "Judgement", "cohen_kappa"]
