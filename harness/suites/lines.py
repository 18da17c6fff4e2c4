"""Turning validation errors into `file:line: field: problem; fix` lines."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from harness.suites.model import Item, Suite
from providers.base import Params


def line_map(node: yaml.Node, path: tuple[Any, ...] = (), out: dict | None = None) -> dict:
    """Map every key path in a composed YAML document to its 1-based line."""
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = key.value
            out[(*path, k)] = key.start_mark.line + 1
            line_map(value, (*path, k), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            line_map(value, (*path, i), out)
    return out


def line_for(lines: dict, loc: tuple[Any, ...]) -> int:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return 1


def _fix(err: dict[str, Any], model: type[BaseModel]) -> str:
    kind = err["type"]
    field = err["loc"][-1] if err["loc"] else ""
    if kind == "extra_forbidden":
        fields = ", ".join(model.model_fields)
        return f"unknown field {field!r}; remove it or use one of: {fields}"
    if kind == "missing":
        return f"missing required field {field!r}; add it"
    return f"{err['msg']}; fix the value"


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def problems_of(
    exc: ValidationError,
    model: type[BaseModel],
    file: str,
    lines: dict | None,
    line: int | None = None,
    prefix: tuple[Any, ...] = (),
) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        at = line if line is not None else line_for(lines or {}, (*prefix, *loc))
        sub = Item if loc[:1] == ("items",) and model is Suite and len(loc) > 2 else model
        if model is Suite and loc[:1] == ("params",):
            sub = Params
        problems.append(f"{file}:{at}: {_where((*prefix, *loc))}: {_fix(err, sub)}")
    return problems


__all__ = ["line_for", "line_map", "problems_of"]
