"""Loading suites: YAML plus item files and includes, validated with file:line problems.

Every problem is reported as `file:line: field: what is wrong; fix`, so `bench validate`
can list them all and `bench run` can refuse a broken suite before paying for anything.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from harness.errors import SuiteError
from harness.files import FileProblem, parse_yaml, read_text
from harness.grading.registry import grader_names
from harness.suites.items import Located, read_items_file
from harness.suites.lines import line_for, line_map, problems_of
from harness.suites.model import Item, Suite
from harness.suites.reference import Reference

_VAR = re.compile(r"\{(\w+)\}")


def _fill(text: str, values: dict[str, Any]) -> str:
    """Replace `{name}` for the names given; other braces (e.g. `{nonce}`) are left alone."""
    return _VAR.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def _expand(item: Item) -> list[Item]:
    """An item with `vars` becomes one item per entry."""
    if not item.vars:
        return [item]
    out = []
    for n, values in enumerate(item.vars, 1):
        grade = item.grade
        if grade is not None:
            specs = [
                s.model_copy(update={"answer": _fill(s.answer, values)})
                if isinstance(s.answer, str)
                else s
                for s in item.specs
            ]
            grade = specs if isinstance(item.grade, list) else specs[0]
        out.append(
            item.model_copy(
                update={
                    "id": f"{item.id}-{n}",
                    "prompt": _fill(item.prompt, values),
                    "vars": None,
                    "grade": grade,
                    "pair_id": f"{item.pair_id}-{n}" if item.pair_id else None,
                    "mirror_id": f"{item.mirror_id}-{n}" if item.mirror_id else None,
                }
            )
        )
    return out


def _cross_checks(located: list[Located]) -> list[str]:
    """Ids unique, prompts unique, pairs and mirrors present and pointing back."""
    problems = []
    by_id: dict[str, Item] = {}
    where: dict[str, str] = {}
    prompts: dict[str, str] = {}
    for item, at in located:
        if item.id in by_id:
            problems.append(
                f"{at}: {item.id}.id: duplicate id (also at {where[item.id]}); "
                "give every item its own id"
            )
        by_id[item.id], where[item.id] = item, at
        key = " ".join(item.prompt.split()).casefold()
        if key in prompts and "{nonce}" not in item.prompt:
            problems.append(f"{at}: {item.id}.prompt: same prompt as {prompts[key]}; remove one")
        prompts.setdefault(key, item.id)
    for item, at in located:
        for field, lang_differs in (("pair_id", True), ("mirror_id", False)):
            other_id = getattr(item, field)
            if other_id is None:
                continue
            other = by_id.get(other_id)
            if other is None:
                problems.append(
                    f"{at}: {item.id}.{field}: no item with id {other_id!r}; "
                    "fix the reference or remove it"
                )
            elif getattr(other, field) != item.id:
                problems.append(
                    f"{at}: {item.id}.{field}: {other_id} does not point back "
                    f"({field} {getattr(other, field)!r}); make the link both ways"
                )
            elif lang_differs and other.lang == item.lang:
                problems.append(
                    f"{at}: {item.id}.pair_id: {other_id} has the same lang "
                    f"{item.lang!r}; a pair is one item in two languages"
                )
    return problems


def check_suite(path: str | Path) -> tuple[Suite | None, list[str]]:
    """Load a suite and return it with every problem found (empty when valid)."""
    suite, located, problems = _load(Path(path), set())
    if suite is not None and not problems:
        if not located:
            problems.append(f"{path}:1: items: the suite has no items; add items or items_file")
        problems.extend(_cross_checks(located))
        problems.extend(_reference_checks(suite, located))
    if problems or suite is None:
        return None, problems
    suite.items = [item for item, _ in located]
    return suite, []


def _reference_checks(suite: Suite, located: list[Located]) -> list[str]:
    """Every reference an item names by key exists."""
    return [
        f"{at}: {item.id}.reference: no reference {item.reference!r} in the suite's references "
        "or references_file; fix the key or add the entry"
        for item, at in located
        if isinstance(item.reference, str) and item.reference not in suite.references
    ]


def _read(path: Path) -> tuple[yaml.Node | None, Any, list[str]]:
    """A YAML file's node tree (for line numbers) and data, or the problem reading it."""
    try:
        node, data = parse_yaml(read_text(path), str(path))
    except FileProblem as exc:
        return None, None, [str(exc)]
    return node, data, []


def _references_file(path: Path) -> tuple[dict[str, Reference], list[str]]:
    """A file of references: a mapping from key to sources and facts."""
    node, data, problems = _read(path)
    if problems:
        return {}, problems
    if not isinstance(data, dict):
        return {}, [f"{path}:1: expected a mapping from reference key to sources and facts"]
    lines = line_map(node) if node is not None else {}
    found: dict[str, Reference] = {}
    for key, entry in data.items():
        try:
            found[str(key)] = Reference.model_validate(entry)
        except ValidationError as exc:
            problems.extend(problems_of(exc, Reference, str(path), lines, prefix=(key,)))
    return found, problems


def _load(path: Path, seen: set[Path]) -> tuple[Suite | None, list[Located], list[str]]:
    """One suite file with its item files, references and includes; items carry where they
    were written."""
    shown = str(path)
    node, data, problems = _read(path)
    if problems:
        return None, [], problems
    if not isinstance(data, dict):
        return (
            None,
            [],
            [f"{shown}:1: expected a mapping with name and items; see suites/README.md"],
        )
    lines = line_map(node) if node is not None else {}
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        return None, [], problems_of(exc, Suite, shown, lines)
    located: list[Located] = [
        (item, f"{shown}:{line_for(lines, ('items', i))}") for i, item in enumerate(suite.items)
    ]
    known = grader_names()
    problems = [
        f"{shown}:{line_for(lines, ('graders', i))}: graders[{i}]: unknown grader {name!r}; "
        f"use one of {', '.join(known)}"
        for i, name in enumerate(suite.graders)
        if name not in known
    ]
    for rel in _listed(suite.items_file):
        found, bad = read_items_file(path.parent / rel, str(path.parent / rel))
        located.extend(found)
        problems.extend(bad)
    for rel in _listed(suite.references_file):
        refs, bad = _references_file(path.parent / rel)
        suite.references = {**refs, **suite.references}
        problems.extend(bad)
    problems.extend(_includes(suite, path, lines, seen | {path.resolve()}, located))
    located = [(x, at) for item, at in located for x in _expand(item)]
    return suite, located, problems


def _listed(files: str | list[str] | None) -> list[str]:
    return [files] if isinstance(files, str) else list(files or [])


def _includes(
    suite: Suite, path: Path, lines: dict, seen: set[Path], located: list[Located]
) -> list[str]:
    """Add the items (and the references they name) of the suites `suite` includes."""
    problems = []
    for i, rel in enumerate(suite.include):
        other = path.parent / rel
        if other.resolve() in seen:
            problems.append(
                f"{path}:{line_for(lines, ('include', i))}: include {rel!r} "
                "includes itself (directly or not); remove the cycle"
            )
            continue
        included, found, bad = _load(other, seen)
        located.extend(found)
        problems.extend(bad)
        if included is not None:
            suite.references = {**included.references, **suite.references}
    return problems


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


__all__ = ["check_suite", "load_suite", "suite_from_dict"]
