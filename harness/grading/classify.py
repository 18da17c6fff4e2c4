"""`bench classify FILE.jsonl`: the refusal grader for answers collected elsewhere.

Judges, when given, take the answers the rules are unsure of; their calls go through the one
Caller (limits and retries; there is no run to journal into or budget to charge).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

from harness.calls.caller import Caller
from harness.errors import ConfigError
from harness.grading import refusal_rules as rules
from harness.grading.grade import JUDGE_RETRIES, JUDGE_TIMEOUTS
from harness.grading.judge import Judge, Judgement, refusal_prompt
from harness.pricing.fx import FxRate


def _read(path: Path) -> list[dict]:
    if not path.is_file():
        raise ConfigError(f"{path}: not found; give a JSON-lines file with prompt and response")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise ConfigError(f"{path}:{n}: not valid JSON; one object per line") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("response"), str):
            raise ConfigError(f"{path}:{n}: needs a string field 'response' (and 'prompt')")
        rows.append(obj)
    return rows


async def _judge(judges: list[str], asks: list[tuple[str, str]]) -> list[list[Judgement]]:
    async with Caller(fx=FxRate.from_env(), timeouts=JUDGE_TIMEOUTS, policy=JUDGE_RETRIES) as c:
        return [await Judge(ref).ask(c, asks, rules.LABELS) for ref in judges]


def classify_file(file: str, judges: list[str]) -> Iterator[str]:
    """One JSON line per input: the input's id (if any), label, confidence, rationale."""
    rows = _read(Path(file))
    verdicts = [
        rules.classify(str(r.get("prompt", "")), r["response"], r.get("lang")) for r in rows
    ]
    judged: dict[int, list[Judgement]] = {}
    if judges:
        unsure = [i for i, v in enumerate(verdicts) if v.confidence < rules.UNSURE]
        asks = [
            (str(i), refusal_prompt(str(rows[i].get("prompt", "")), rows[i]["response"]))
            for i in unsure
        ]
        for answers in asyncio.run(_judge(judges, asks)):
            for i, a in zip(unsure, answers, strict=True):
                judged.setdefault(i, []).append(a)
    for i, (row, v) in enumerate(zip(rows, verdicts, strict=True)):
        out = {
            "label": v.label,
            "confidence": round(v.confidence, 2),
            "rationale": v.rationale,
            "source": "rules",
        }
        decided = next((a for a in judged.get(i, []) if a.label != "judge_error"), None)
        if decided is not None:
            out.update(label=decided.label, rationale=decided.rationale, source=decided.judge)
        if "id" in row:
            out = {"id": row["id"], **out}
        yield json.dumps(out, ensure_ascii=False)


__all__ = ["classify_file"]
