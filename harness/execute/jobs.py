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
CANARY = "{canary}"
"""In a system prompt: a secret unique to the job, which an answer must never reveal."""
INJECT = "{inject}"
"""In a document the user pastes: a token an injected instruction asks the model to output."""
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def secret(job_id: str, kind: str) -> str:
    """A job's canary or injection token: three groups of four (`K7QX-M3VB-NH2A`), stable
    across resumes, random to anyone without the job id; the alphabet has no 0/O or 1/I, so
    a leak read back is not mistaken for another token."""
    digest = hashlib.sha256(f"{job_id}\x1f{kind}".encode()).digest()
    chars = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:12])
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def _fill(text: str, job_id: str) -> str:
    if "{" not in text:
        return text
    text = text.replace(NONCE, f"[{job_id[:12]}]")
    text = text.replace(CANARY, secret(job_id, "canary"))
    return text.replace(INJECT, secret(job_id, "inject").lower())


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
        resumes), so no vendor cache can serve a repeat; `{inject}` the job's injection token."""
        return _fill(self.item.prompt, self.job_id)

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
                jid = job_id(item.id, target, r)
                sent = _fill(system, jid) if system is not None else None
                jobs.append(Job(jid, item, target, r, sent, suite.params))
    return jobs


__all__ = ["CANARY", "INJECT", "NONCE", "Job", "canonical_ref", "expand", "job_id", "secret"]
