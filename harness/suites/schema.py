"""The JSON Schema of suite files, for editors (suites/suite.schema.json, `bench schema`)."""

from __future__ import annotations

from typing import Any

from harness.grading.registry import grader_names
from harness.suites.model import Suite


def suite_json_schema() -> dict[str, Any]:
    schema = Suite.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "bench suite"
    schema["properties"]["graders"]["items"]["enum"] = grader_names()
    return schema


__all__ = ["suite_json_schema"]
