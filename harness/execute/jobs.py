"""Expanding a suite into jobs: item × model × repeat, with stable ids, interleaved.

Jobs are ordered repeat-major, then item, then model, so every model meets the same item at
nearly the same time and a vendor's slow hour hits every model alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from harness.suites import Item, Suite
from providers.base import Params, Target

NONCE = "{nonce}"


@dataclass(frozen=True, slots=True)
class Job:
    job_id: str
    item: Item
    target: Target
    repeat: int
    system: str | None
    params: Params

    @property
    def prompt(self) -> str:
        """The prompt as sent: `{nonce}` becomes a token unique to this job (and stable across
        resumes), so no vendor cache can serve a repeat."""
        return self.item.prompt.replace(NONCE, f"[{self.job_id[:12]}]")

    @property
    def messages(self) -> list[dict[str, str]]:
        msgs = [{"role": "system", "content": self.system}] if self.system else []
        msgs.append({"role": "user", "content": self.prompt})
        return msgs


def canonical_ref(target: Target) -> str:
    return f"{target.vendor.id}@{target.endpoint_id}:{target.model}"


def job_id(item_id: str, target: Target, repeat: int) -> str:
    """Stable across runs and resumes: the same item, endpoint, model and repeat."""
    key = f"{item_id}\x1f{canonical_ref(target)}\x1f{repeat}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def expand(suite: Suite, targets: Iterable[Target], repeat: int | None = None) -> list[Job]:
    targets = list(targets)
    repeats = repeat or suite.repeat
    jobs = []
    for r in range(repeats):
        for item in suite.items:
            system = item.system if item.system is not None else suite.system
            for target in targets:
                jobs.append(Job(job_id(item.id, target, r), item, target, r, system, suite.params))
    return jobs


__all__ = ["NONCE", "Job", "canonical_ref", "expand", "job_id"]
