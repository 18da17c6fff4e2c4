"""What a suite is: the pydantic models of a suite file and its items."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.grading.spec import GradeSpec
from providers.base import Params

Form = Literal["question", "essay", "satire", "instruction"]


class Item(BaseModel):
    """One prompt of a suite."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    prompt: str = Field(min_length=1)
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

    @property
    def specs(self) -> list[GradeSpec]:
        if self.grade is None:
            return []
        return list(self.grade) if isinstance(self.grade, list) else [self.grade]


GraderName = Literal["refusal", "quality", "identity"]


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    models: list[str] = []
    params: Params = Params()
    system: str | None = None
    repeat: int = Field(1, ge=1)
    graders: list[GraderName] = ["refusal", "quality", "identity"]
    """Graders run after the run; each applies only to the items it can grade."""
    items: list[Item] = []
    items_file: str | list[str] | None = None
    """JSONL, CSV or Parquet files of more items, relative to the suite file."""
    include: list[str] = []
    """Other suite files whose items (only) are added to this suite."""

    def digest(self) -> str:
        """A stable hash of everything that shapes the requests."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


def suite_json_schema() -> dict:
    """JSON Schema of a suite file, for editors (suites/suite.schema.json)."""
    schema = Suite.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "bench suite"
    return schema


__all__ = ["Form", "GraderName", "Item", "Suite", "suite_json_schema"]
