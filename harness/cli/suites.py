"""`bench validate` and `bench schema`: suite files before anything is paid for."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from harness.cli.options import err, out
from harness.suites import check_suite


def validate(suites: Annotated[list[str], typer.Argument(help="Suite YAML files.")]) -> None:
    """Check suites; one line per problem with file:line and the fix."""
    bad = 0
    for path in suites:
        suite, problems = check_suite(path)
        for line in problems:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        if problems:
            bad += 1
        else:
            assert suite is not None
            out.print(f"{path}: ok ({len(suite.items)} items, {len(suite.models)} models)")
    if bad:
        raise typer.Exit(2)


def schema() -> None:
    """Print the JSON Schema of suite files (editors validate suites with it)."""
    from harness.suites.schema import suite_json_schema

    print(json.dumps(suite_json_schema(), indent=2, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(schema)


__all__ = ["register"]
