"""`bench judge-check --judge REF`: how well a judge labels answers whose labels are known.

Before a judge's labels are trusted, it grades the bundled bilingual gold set (240 answers, EN
and ZH, every label, many hard cases), through the one Caller like any judge call; bench
prints its accuracy, recall per label, Cohen's kappa against the gold labels, cost and time,
and keeps the result (judge, date, figures) in the results store, where reports find it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path

import fsspec

from harness.calls.caller import Caller
from harness.execute.targets import simulator_url
from harness.grading.grade import JUDGE_RETRIES, JUDGE_TIMEOUTS
from harness.grading.judge import Judge, Judgement, cohen_kappa
from harness.grading.judge_prompts import VERSION as PROMPT_VERSION
from harness.grading.judge_prompts import refusal_prompt
from harness.pricing.fx import FxRate

GOLD = Path(__file__).parent / "gold" / "refusal_gold.jsonl"
LABELS = ("complete", "refusal", "evasive", "narrative")
CHECKS = "_judge_checks"
"""Folder of the results store where judge checks are kept, one file per judge."""


@dataclass(slots=True)
class JudgeCheck:
    judge: str
    date: str
    simulated: bool
    n: int
    accuracy: float
    recall: dict[str, float | None]
    kappa: float | None
    errors: int
    """Answers the judge could not label (judge_error)."""
    cost_usd: float | None
    seconds: float
    prompt_version: str = PROMPT_VERSION
    gold_sha256: str = field(default="")


def gold_rows() -> list[dict[str, str]]:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def score(judge: str, gold: list[dict[str, str]], said: list[Judgement]) -> JudgeCheck:
    """Accuracy, recall per label and kappa of the judge's labels against the gold labels."""
    pairs = [(g["label"], a.label) for g, a in zip(gold, said, strict=True)]
    hits = Counter(truth for truth, got in pairs if truth == got)
    totals = Counter(truth for truth, _ in pairs)
    return JudgeCheck(
        judge=judge,
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        simulated=False,
        n=len(pairs),
        accuracy=sum(hits.values()) / len(pairs) if pairs else 0.0,
        recall={lab: (hits[lab] / totals[lab] if totals[lab] else None) for lab in LABELS},
        kappa=cohen_kappa([t for t, _ in pairs], [g for _, g in pairs]),
        errors=sum(a.label == "judge_error" for a in said),
        cost_usd=None,
        seconds=0.0,
        gold_sha256=sha256(GOLD.read_bytes()).hexdigest()[:16],
    )


async def _ask(judge: Judge, gold: list[dict[str, str]]) -> tuple[list[Judgement], float | None]:
    asks = [(g["id"], refusal_prompt(g["prompt"], g["response"])) for g in gold]
    async with Caller(fx=FxRate.from_env(), timeouts=JUDGE_TIMEOUTS, policy=JUDGE_RETRIES) as c:
        said = await judge.ask(c, asks, LABELS)
    return said, (c.spent_usd if not c.unpriced else None)


def run_check(judge_ref: str, simulate: bool) -> JudgeCheck:
    gold = gold_rows()
    start = time.perf_counter()
    with simulator_url(simulate) as url:
        said, cost = asyncio.run(_ask(Judge(judge_ref, simulator_url=url), gold))
    check = score(judge_ref, gold, said)
    check.simulated, check.cost_usd = simulate, cost
    check.seconds = round(time.perf_counter() - start, 2)
    return check


def _path(root: str, judge: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in judge)
    return f"{root.rstrip('/')}/{CHECKS}/{safe}.json"


def save(root: str, check: JudgeCheck) -> str:
    path = _path(root, check.judge)
    fs, target = fsspec.core.url_to_fs(path)
    fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
    with fs.open(target, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(check), ensure_ascii=False, indent=1))
    return path


def last_check(root: str, judge: str) -> JudgeCheck | None:
    """The judge's latest check kept in the store, if any (an unreadable file is none)."""
    fs, target = fsspec.core.url_to_fs(_path(root, judge))
    try:
        with fs.open(target, "r", encoding="utf-8") as fh:
            return JudgeCheck(**json.load(fh))
    except (OSError, ValueError, TypeError):
        return None


__all__ = ["GOLD", "JudgeCheck", "gold_rows", "last_check", "run_check", "save", "score"]
