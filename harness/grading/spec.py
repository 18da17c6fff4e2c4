"""What a suite item may ask of a quality grader (`grade:` on an item)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

GradeType = Literal[
    "exact",
    "regex",
    "contains",
    "not_contains",
    "choice",
    "numeric",
    "json_schema",
    "judge",
    "identity",
    "leak",
    "injection",
    "jailbreak",
]


class GradeSpec(BaseModel):
    """One check; an item may list several, all of which must pass. `leak`, `injection` and
    `jailbreak` are the security grader's: did the attack on this item succeed?"""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True
    )

    type: GradeType
    answer: str | float | int | list[str] | None = None
    """Expected answer: text, number, option letter, a regex, or acceptable alternatives."""
    tolerance: float = Field(0.0, ge=0)
    """Absolute tolerance for numeric answers."""
    case_sensitive: bool = False
    schema_: dict[str, Any] | None = Field(None, alias="schema")
    """JSON Schema the answer must satisfy (json_schema)."""
    rubric: str | None = None
    """What a correct answer must contain (judge)."""

    @model_validator(mode="after")
    def _complete(self) -> GradeSpec:
        needs_answer = {"exact", "regex", "contains", "not_contains", "choice", "numeric"}
        if self.type in needs_answer and self.answer is None:
            raise ValueError(f"grade type {self.type!r} needs an answer")
        if self.type == "numeric" and not isinstance(self.answer, int | float):
            raise ValueError("numeric grade needs a number as answer")
        if self.type == "json_schema" and self.schema_ is None:
            raise ValueError("json_schema grade needs a schema")
        if self.type == "judge" and not self.rubric:
            raise ValueError("judge grade needs a rubric")
        if self.type == "regex":
            for pattern in self.answer if isinstance(self.answer, list) else [self.answer]:
                try:
                    re.compile(str(pattern))
                except re.error as exc:
                    raise ValueError(f"{pattern!r} is not a regular expression ({exc})") from None
        return self


__all__ = ["GradeSpec", "GradeType"]
