"""`bench check`, `bench history`, `bench query`: a results store over time."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.cli import show
from harness.cli.options import Results, TableFormat, out
from harness.errors import ConfigError


def check(
    run_id: Annotated[str, typer.Argument(help="Run to check.")],
    baseline: Annotated[
        str, typer.Option(help="Baseline run id, or latest (same suite, earlier).")
    ] = "latest",
    rules: Annotated[
        str | None, typer.Option(help="Rules YAML (default: harness/nightly/rules.yaml).")
    ] = None,
    results: Results = None,
    out_dir: Annotated[
        str | None, typer.Option("--out", help="Where check.md and check.xml go.")
    ] = None,
) -> None:
    """Compare a run with a baseline on shared items; exit 0 pass, 1 regression, 2 usage error."""
    from harness.nightly.check import check_run
    from harness.nightly.render import junit, markdown
    from harness.nightly.rules import load_rules

    report = check_run(results, run_id, baseline, load_rules(rules))
    out_path = Path(out_dir or "reports") / run_id
    out_path.mkdir(parents=True, exist_ok=True)
    (out_path / "check.md").write_text(markdown(report), encoding="utf-8")
    (out_path / "check.xml").write_text(junit(report), encoding="utf-8")
    print(markdown(report))
    out.print(f"written: {out_path / 'check.md'}, {out_path / 'check.xml'}")
    if report.failed:
        raise typer.Exit(1)


def history(
    results: Results = None,
    model: Annotated[list[str] | None, typer.Option("--model", help="Only these models.")] = None,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="Only these columns.")
    ] = None,
    fmt: TableFormat = "table",
) -> None:
    """One row per run and model over time, from the results store."""
    from harness.nightly.history import history as build

    frame = build(results, list(model or []))
    if metric and not frame.empty:
        unknown = [m for m in metric if m not in frame.columns]
        if unknown:
            raise ConfigError(
                f"unknown metric {unknown[0]!r}; use one of {', '.join(frame.columns[4:])}"
            )
        frame = frame[["created_at", "run_id", "model", *metric]]
    show.frame(frame, fmt)


def query(
    sql: Annotated[str, typer.Argument(help="SQL over the views responses, attempts, grades.")],
    results: Results = None,
    fmt: TableFormat = "table",
) -> None:
    """DuckDB over every run in the store (all schema versions together)."""
    from harness.nightly.query import query as run

    show.frame(run(results, sql), fmt)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command()(history)
    app.command()(query)


__all__ = ["register"]
