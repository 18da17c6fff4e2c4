"""`bench merge`: combine run directories (shards of one run, say) into one run.

The runs must share the suite (by hash), models and repeat count. Rows keep their job ids,
so a job present in two inputs is kept once (the first input's copy).
"""

from __future__ import annotations

import dataclasses

from harness.errors import ResultsError
from harness.results.records import JournalRecord
from harness.results.store import RunStore


def _moved(rec: JournalRecord, into: str) -> JournalRecord:
    row = dataclasses.replace(rec.row, run_id=into) if rec.row is not None else None
    return JournalRecord(row, tuple(dataclasses.replace(a, run_id=into) for a in rec.attempts))


def merge_runs(root: str | None, run_ids: list[str], into: str) -> RunStore:
    if len(run_ids) < 2:
        raise ResultsError("give at least two runs to merge")
    sources = [RunStore(root, r) for r in run_ids]
    manifests = [s.manifest() for s in sources]
    first = manifests[0]
    for m in manifests[1:]:
        for key in ("suite_hash", "models", "repeat"):
            if getattr(m, key) != getattr(first, key):
                raise ResultsError(
                    f"run {m.run_id} differs from {first.run_id} in {key}; "
                    "only runs of the same suite, models and repeat can be merged"
                )
    target = RunStore(root, into)
    manifest = first.model_copy(update={"run_id": into, "shard": None, "merged_from": run_ids})
    target.create(manifest)
    journal = target.open_journal()
    seen: set[str] = set()
    try:
        for source in sources:
            for rec in source.records():
                if rec.row is not None:
                    if rec.row.job_id in seen:
                        continue
                    seen.add(rec.row.job_id)
                journal.append(_moved(rec, into))
    finally:
        target.close_journal()
    rows = target.compact()
    shards = [m.shard for m in manifests]
    complete = all(m.status == "finished" for m in manifests)
    covers = all(shards) and {s[0] for s in shards if s} == set(range(1, shards[0][1] + 1))  # type: ignore[index]
    manifest.rows = rows
    manifest.jobs = rows if covers or not any(shards) else first.jobs
    manifest.status = "finished" if complete else "interrupted"
    target.write_manifest(manifest)
    return target


__all__ = ["merge_runs"]
