"""What a suite is: the pydantic models of a suite file and its items."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.grading.spec import GradeSpec
from harness.suites.reference import Reference
from providers.base import Params

Form = Literal["question", "essay", "satire", "instruction"]
DataClass = Literal["public", "internal", "confidential"]
MAX_PROMPT = 1_000_000
"""Characters in one prompt: far beyond any context window (the latency suite's largest input is
~10,000 tokens), low enough that a broken items file cannot hold a run's memory hostage."""


class Item(BaseModel):
    """One prompt of a suite."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT)
    lang: str = Field("en", pattern=r"^[a-z]{2,3}(-[A-Za-z]+)?$")
    category: str = ""
    tags: list[str] = []
    form: Form | None = None
    pair_id: str | None = None
    """The same item in another language."""
    mirror_id: str | None = None
    """A China-sensitive item's US counterpart, and back."""
    system: str | None = None
    """Overrides the suite's system prompt for this item."""
    vars: list[dict[str, str | int | float]] | None = None
    """Template values: the item becomes one item per entry, with `{name}` in the prompt and
    in grade answers replaced, and ids suffixed `-1`, `-2`, ..."""
    grade: GradeSpec | list[GradeSpec] | None = None
    """How to check the answer (quality and identity graders); a list must all pass."""
    reference: str | Reference | None = None
    """The documented facts a complete answer gives: inline, or the key of an entry in the
    suite's `references` (so an item and its translation share one)."""

    @property
    def specs(self) -> list[GradeSpec]:
        if self.grade is None:
            return []
        return list(self.grade) if isinstance(self.grade, list) else [self.grade]


class Sensitivity(BaseModel):
    """Which item tags group reports and checks: declared by the suite, as data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: dict[str, str] = {}
    """Tag → the name reports show for its items, in report order
    (as suites/censorship.yaml declares them). Items with none of these tags are untagged."""
    focus: str | None = None
    """The level whose items models are compared on pairwise, shown side by side, paired with
    their mirrors and tracked across runs."""
    control: str | None = None
    """Benign look-alikes: their complete rate stands in for quality in the cost chart when no
    quality grader ran."""

    @model_validator(mode="after")
    def _declared(self) -> Sensitivity:
        for name in ("focus", "control"):
            tag = getattr(self, name)
            if tag is not None and tag not in self.levels:
                raise ValueError(f"{name} {tag!r} is not one of the levels")
        return self

    def of(self, tags: object) -> str:
        """An item's level: its first tag that is a level, else "untagged"."""
        for tag in list(tags) if tags is not None else []:  # type: ignore[call-overload]
            if tag in self.levels:
                return str(tag)
        return "untagged"


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    models: list[str] = []
    params: Params = Params()
    system: str | None = None
    repeat: int = Field(1, ge=1)
    data_class: DataClass = "public"
    """How sensitive the prompts are; a data policy (`--policy`) says which endpoints each
    class may reach, and the run is refused before anything is sent if one may not."""
    sensitivity: Sensitivity = Sensitivity()
    """How reports and checks group items by tag (none: no grouping)."""
    graders: list[str] = ["refusal", "facts", "quality", "identity"]
    """Graders run after the run (names from harness/grading/graders/); each applies only to
    the items it can grade."""
    items: list[Item] = []
    items_file: str | list[str] | None = None
    """JSONL, CSV or Parquet files of more items, relative to the suite file."""
    include: list[str] = []
    """Other suite files whose items (only) are added to this suite."""
    references: dict[str, Reference] = {}
    """Reference facts items name by key."""
    references_file: str | list[str] | None = None
    """YAML files of more references (key → sources, facts), relative to the suite file."""

    def reference_for(self, item: Item) -> Reference | None:
        ref = item.reference
        return self.references.get(ref) if isinstance(ref, str) else ref

    def digest(self) -> str:
        """A stable hash of everything that shapes the requests."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


__all__ = ["DataClass", "Form", "Item", "Sensitivity", "Suite"]
