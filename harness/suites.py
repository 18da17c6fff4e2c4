"""Suite files: YAML plus optional JSONL/CSV item files, validated with file:line errors.

Every problem is reported as `file:line: field: what is wrong; fix`, so `bench validate`
can list them all and `bench run` can refuse a broken suite before paying for anything.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import SuiteError
from harness.graders.spec import GradeSpec
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

    def digest(self) -> str:
        """A stable hash of everything that shapes the requests."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


# ---------------------------------------------------------------------------- line numbers


def _line_map(node: yaml.Node, path: tuple[Any, ...] = (), out: dict | None = None) -> dict:
    """Map every key path in a composed YAML document to its 1-based line."""
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = key.value
            out[(*path, k)] = key.start_mark.line + 1
            _line_map(value, (*path, k), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _line_map(value, (*path, i), out)
    return out


def _line_for(lines: dict, loc: tuple[Any, ...]) -> int:
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


def _errors(
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
        at = line if line is not None else _line_for(lines or {}, (*prefix, *loc))
        sub = Item if loc[:1] == ("items",) and model is Suite and len(loc) > 2 else model
        if model is Suite and loc[:1] == ("params",):
            sub = Params
        problems.append(f"{file}:{at}: {_where((*prefix, *loc))}: {_fix(err, sub)}")
    return problems


# ---------------------------------------------------------------------------- items files


def _read_items_file(path: Path, shown: str) -> tuple[list[Item], list[str]]:
    if not path.is_file():
        return [], [f"{shown}:1: items_file not found; check the path (relative to the suite)"]
    items: list[Item] = []
    problems: list[str] = []
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{shown}:1: cannot read ({type(exc).__name__}); save it as UTF-8 text"]
    if suffix == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append((n, json.loads(line)))
            except ValueError:
                problems.append(f"{shown}:{n}: not valid JSON; one JSON object per line")
    elif suffix == ".csv":
        reader = csv.DictReader(text.splitlines())
        rows = []
        for n, row in enumerate(reader, 2):
            clean = {k: v for k, v in row.items() if k and v not in (None, "")}
            if isinstance(clean.get("tags"), str):
                clean["tags"] = [
                    t.strip() for t in clean["tags"].replace(";", ",").split(",") if t.strip()
                ]
            rows.append((n, clean))
    else:
        return [], [f"{shown}:1: unsupported items file type {suffix!r}; use .jsonl or .csv"]
    for n, row in rows:
        if not isinstance(row, dict):
            problems.append(f"{shown}:{n}: expected a JSON object with id and prompt")
            continue
        try:
            items.append(Item.model_validate(row))
        except ValidationError as exc:
            problems.extend(_errors(exc, Item, shown, None, line=n))
    return items, problems


# ---------------------------------------------------------------------------- whole suite


def _cross_checks(suite: Suite, shown: str, lines: dict) -> list[str]:
    problems = []
    if not suite.items:
        problems.append(f"{shown}:1: items: the suite has no items; add items or items_file")
    seen: dict[str, int] = {}
    ids = {item.id for item in suite.items}
    for i, item in enumerate(suite.items):
        if item.id in seen:
            problems.append(
                f"{shown}:{_line_for(lines, ('items', i))}: items[{i}].id: duplicate id "
                f"{item.id!r}; give every item its own id"
            )
        seen[item.id] = i
        for field in ("pair_id", "mirror_id"):
            other = getattr(item, field)
            if other is not None and other not in ids:
                problems.append(
                    f"{shown}:{_line_for(lines, ('items', i))}: {item.id}.{field}: no item "
                    f"with id {other!r}; fix the reference or remove it"
                )
    return problems


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """Compose once (for line numbers) and build the data from the same node tree."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def check_suite(path: str | Path) -> tuple[Suite | None, list[str]]:
    """Load a suite and return it with every problem found (empty when valid)."""
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [f"{shown}:1: suite file not found; check the path"]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{shown}:1: cannot read ({type(exc).__name__}); save it as UTF-8 YAML"]
    try:
        node, data = _parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(exc, "problem", None) or "invalid YAML"
        return None, [f"{shown}:{line}: YAML syntax: {what}; fix the indentation or quoting"]
    if not isinstance(data, dict):
        return None, [f"{shown}:1: expected a mapping with name and items; see suites/README.md"]
    lines = _line_map(node) if node is not None else {}
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        return None, _errors(exc, Suite, shown, lines)
    problems: list[str] = []
    files = suite.items_file
    for rel in [files] if isinstance(files, str) else files or []:
        extra, found = _read_items_file(path.parent / rel, str(path.parent / rel))
        problems.extend(found)
        suite.items.extend(extra)
    problems.extend(_cross_checks(suite, shown, lines))
    return (suite if not problems else None), problems


def load_suite(path: str | Path) -> Suite:
    """Load a suite or raise SuiteError naming the first problem (and how many more)."""
    suite, problems = check_suite(path)
    if problems:
        more = (
            f" (and {len(problems) - 1} more; run `bench validate {path}`)"
            if len(problems) > 1
            else ""
        )
        raise SuiteError(problems[0] + more)
    assert suite is not None
    return suite


def suite_from_dict(data: dict[str, Any], source: str = "manifest") -> Suite:
    """Rebuild a suite from the copy kept in a run manifest (items already inlined)."""
    try:
        return Suite.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise SuiteError(
            f"{source}: the suite copy does not load ({where}: {err['msg']}); "
            "it was written by an incompatible bench version"
        ) from None


__all__ = ["Item", "Suite", "check_suite", "load_suite", "suite_from_dict"]
