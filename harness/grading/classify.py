"""`bench classify FILE.jsonl`: the refusal grader for answers collected elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from harness.errors import ConfigError
from harness.grading import refusal_rules as refusal
from harness.grading.judge import Judge, refusal_prompt


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


def classify_file(file: str, judges: list[str]) -> Iterator[str]:
    """One JSON line per input: the input's id (if any), label, confidence, rationale."""
    rows = _read(Path(file))
    verdicts = [
        refusal.classify(str(r.get("prompt", "")), r["response"], r.get("lang")) for r in rows
    ]
    judged: dict[int, list] = {}
    if judges:
        unsure = [i for i, v in enumerate(verdicts) if v.confidence < refusal.UNSURE]
        prompts = [
            refusal_prompt(str(rows[i].get("prompt", "")), rows[i]["response"]) for i in unsure
        ]
        for ref in judges:
            for i, a in zip(unsure, Judge(ref).ask(prompts, refusal.LABELS), strict=True):
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
