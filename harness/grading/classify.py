"""`bench classify FILE.jsonl [--suite SUITE]`: the refusal grader for answers collected elsewhere.

Each line is graded exactly as a run's answer would be (the same grader, the same judges);
with `--suite`, a line's `case_id` names the suite item it answers, so it is graded against
that item's reference facts (and takes the item's prompt and language when the line has none).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from harness.calls import loop
from harness.calls.caller import Caller
from harness.errors import ConfigError
from harness.files import FileProblem, read_text
from harness.grading.grade import JUDGE_RETRIES, JUDGE_TIMEOUTS
from harness.grading.graders.refusal import GRADER
from harness.grading.judge import Judge
from harness.grading.registry import GradeContext
from harness.pricing.fx import FxRate
from harness.suites import Suite, load_suite
from harness.suites.reference import coverage


def _read(path: Path, suite: Suite | None) -> list[dict[str, Any]]:
    try:
        text = read_text(path)
    except FileProblem as exc:
        raise ConfigError(f"{exc}; give a JSON-lines file with prompt and response") from None
    items = {i.id: i for i in suite.items} if suite is not None else {}
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise ConfigError(f"{path}:{n}: not valid JSON; one object per line") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("response"), str):
            raise ConfigError(f"{path}:{n}: needs a string field 'response' (and 'prompt')")
        case = obj.get("case_id")
        if case is not None and suite is not None:
            item = items.get(str(case))
            if item is None:
                raise ConfigError(f"{path}:{n}: case_id {case!r} is not an item of {suite.name}")
            obj.setdefault("prompt", item.prompt)
            obj.setdefault("lang", item.lang)
        rows.append(obj)
    return rows


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": "classify",
            "job_id": [str(i) for i in range(len(rows))],
            "case_id": [str(r.get("case_id", "")) for r in rows],
            "model": [str(r.get("model", "")) for r in rows],
            "prompt": [str(r.get("prompt", "")) for r in rows],
            "text": [r["response"] for r in rows],
            "lang": [r.get("lang") for r in rows],
            "outcome": "ok",
        }
    )


async def _grade(df: pd.DataFrame, ctx: GradeContext, judges: list[str]) -> dict[str, Any]:
    if not judges:
        return {g.job_id: g for g in (await GRADER.grade(df, ctx)).rows if g.grader == "refusal"}
    async with Caller(fx=FxRate.from_env(), timeouts=JUDGE_TIMEOUTS, policy=JUDGE_RETRIES) as c:
        ctx.caller, ctx.judges = c, [Judge(ref) for ref in judges]
        graded = await GRADER.grade(df, ctx)
    return {g.job_id: g for g in graded.rows if g.grader == "refusal"}


def classify_file(file: str, judges: list[str], suite_path: str | None = None) -> Iterator[str]:
    """One JSON line per input: its id (if any), label, confidence, source, unsure, rationale,
    and fact coverage when the line names a suite item with reference facts."""
    suite = load_suite(suite_path) if suite_path else None
    rows = _read(Path(file), suite)
    ctx = GradeContext.for_suite("classify", suite) if suite else GradeContext("classify", {})
    finals = loop.run(_grade(_frame(rows), ctx, judges))
    for i, row in enumerate(rows):
        g = finals[str(i)]
        out: dict[str, Any] = {"id": row["id"]} if "id" in row else {}
        out |= {
            "label": g.label,
            "confidence": None if g.confidence is None else round(g.confidence, 2),
            "source": g.judge_model or g.source,
            "unsure": bool(g.unsure),
            "rationale": g.rationale,
        }
        ref = ctx.references.get(str(row.get("case_id")))
        if ref is not None:
            out["fact_coverage"] = round(coverage(ref, row["response"]).share, 3)
        yield json.dumps(out, ensure_ascii=False)


__all__ = ["classify_file"]
