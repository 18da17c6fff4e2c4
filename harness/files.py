"""Reading files users hand to bench (suites, item files, references, rules, answers to
classify): bounded, UTF-8, and YAML without aliases.

A suite may come from someone else. A path of `/dev/zero` or a multi-gigabyte file must not
read forever, and a YAML "billion laughs" (nested aliases, a few hundred bytes that expand to
billions of nodes) must not exhaust memory: aliases are refused before anything is built
(reading the event stream is linear in the text, whatever the aliases would expand to). Each
problem is one `FileProblem` whose message names the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 64 * 1024 * 1024
"""The largest file bench reads as text (suites, items, references, rules): 64 MB."""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FileProblem(ValueError):
    """A file cannot be read as asked; the message starts with `file:line:`."""


def read_text(path: Path, limit: int = MAX_BYTES) -> str:
    """A regular file's text, at most `limit` bytes, UTF-8."""
    if not path.exists():
        raise FileProblem(f"{path}:1: file not found; check the path")
    if not path.is_file():
        raise FileProblem(f"{path}:1: not a regular file; give a file, not a device or folder")
    if path.stat().st_size > limit:
        raise FileProblem(f"{path}:1: larger than {limit // (1024 * 1024)} MB; split it")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise FileProblem(f"{path}:1: cannot read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > limit:
        raise FileProblem(f"{path}:1: larger than {limit // (1024 * 1024)} MB; split it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None


def no_aliases(text: str, shown: str) -> None:
    """Refuse YAML aliases (`*name`): write the value out instead."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else 1
            raise FileProblem(
                f"{shown}:{line}: YAML aliases (*{event.anchor}) are not accepted; "
                "write the value out"
            )


def parse_yaml(text: str, shown: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data built from it, aliases refused."""
    try:
        no_aliases(text, shown)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            return node, (loader.construct_document(node) if node is not None else None)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(exc, "problem", None) or "invalid YAML"
        problem = f"{shown}:{line}: YAML syntax: {what}; fix the indentation or quoting"
        raise FileProblem(problem) from None


def load_yaml(path: Path) -> Any:
    """A YAML file's data (bounded, UTF-8, no aliases)."""
    return parse_yaml(read_text(path), str(path))[1]


__all__ = ["MAX_BYTES", "FileProblem", "load_yaml", "no_aliases", "parse_yaml", "read_text"]
