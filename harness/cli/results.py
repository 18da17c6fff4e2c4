"""`bench` commands that read the results store: grade, classify, report, check, history,
query, merge, prices, schema, runs. Registered on the app of harness/cli.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from harness.cli import JudgeAllOpt, JudgeOpt, ResultsOpt, _grade, app, out
from harness.errors import ConfigError
from harness.results.store import RunStore, list_runs, results_root


@app.command()
def grade(
    run_id: Annotated[str, typer.Argument(help="Run to grade.")],
    results: ResultsOpt = None,
    grader: Annotated[
        list[str] | None,
        typer.Option(
            "--grader", help="refusal, quality or identity; repeatable (default: the suite's)."
        ),
    ] = None,
    judge: JudgeOpt = None,
    judge_all: JudgeAllOpt = False,
) -> None:
    """(Re)grade a run's stored answers into grades-*.parquet; no answer is paid for twice."""
    bad = sorted(set(grader or []) - {"refusal", "quality", "identity"})
    if bad:
        raise ConfigError(f"unknown grader {bad[0]!r}; use refusal, quality or identity")
    _grade(RunStore(results, run_id), grader, judge or [], judge_all)


@app.command()
def classify(
    file: Annotated[
        str, typer.Argument(help="JSON lines with prompt, response and optional lang.")
    ],
    judge: JudgeOpt = None,
) -> None:
    """Label answers collected elsewhere: one JSON line out per line in (label, rationale)."""
    from harness.grading.classify import classify_file  # (only when asked)

    for line in classify_file(file, judge or []):
        print(line, flush=True)


@app.command()
def report(
    run_ids: Annotated[list[str], typer.Argument(help="Runs to report on (several: trends).")],
    results: ResultsOpt = None,
    out_dir: Annotated[
        str | None, typer.Option("--out", help="Reports directory (default ./reports).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="Any of md, html, json, comma-separated.")
    ] = "md,html",
) -> None:
    """Write the comparison report to <out>/<run_id>/report.{md,html,json}."""
    from harness.reporting import FORMATS, write_report  # (pandas, scipy only when reporting)

    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ConfigError(f"--format {fmt!r}: use md, html or json, comma-separated")
    path = write_report([RunStore(results, r) for r in run_ids], out_dir, formats)
    for f in formats:
        out.print(f"report: {path / ('report.' + f)}")


@app.command()
def prices(
    refs: Annotated[
        list[str] | None, typer.Argument(help="vendor:model refs (default: every catalog price).")
    ] = None,
) -> None:
    """Unit prices per million tokens, with their source and the date they were checked."""
    from harness.pricing.table import price_rows

    table = Table(title="bench prices (per million tokens, in the billing currency)")
    for col in (
        "model",
        "currency",
        "input",
        "cached input",
        "output",
        "reasoning",
        "tiers",
        "off-peak",
        "source",
        "checked",
    ):
        table.add_column(col)
    for row in price_rows(refs or []):
        table.add_row(*row)
    out.print(table)


@app.command()
def merge(
    run_ids: Annotated[
        list[str], typer.Argument(help="Runs to combine (e.g. the shards of one run).")
    ],
    into: Annotated[str, typer.Option("--into", help="Id of the merged run.")],
    results: ResultsOpt = None,
) -> None:
    """Combine run directories of one suite (shards, machines) into one run."""
    from harness.results.merge import merge_runs

    store = merge_runs(results, run_ids, into)
    m = store.manifest()
    out.print(
        f"merged {len(run_ids)} runs into {m['run_id']}: {m['rows']} rows, status {m['status']}"
    )


@app.command("check")
def check_cmd(
    run_id: Annotated[str, typer.Argument(help="Run to check.")],
    baseline: Annotated[
        str, typer.Option(help="Baseline run id, or latest (same suite, earlier).")
    ] = "latest",
    rules: Annotated[
        str | None, typer.Option(help="Rules YAML (default: harness/nightly/rules.yaml).")
    ] = None,
    results: ResultsOpt = None,
    out_dir: Annotated[
        str | None, typer.Option("--out", help="Where check.md and check.xml go.")
    ] = None,
) -> None:
    """Compare a run with a baseline on shared items; exit 0 pass, 1 regression, 2 usage error."""
    from harness.nightly.check import check, junit, load_rules, markdown

    res = check(results, run_id, baseline, load_rules(rules))
    out_path = Path(out_dir or "reports") / run_id
    out_path.mkdir(parents=True, exist_ok=True)
    (out_path / "check.md").write_text(markdown(res), encoding="utf-8")
    (out_path / "check.xml").write_text(junit(res), encoding="utf-8")
    print(markdown(res))
    out.print(f"written: {out_path / 'check.md'}, {out_path / 'check.xml'}")
    if res.failed:
        raise typer.Exit(1)


@app.command()
def history(
    results: ResultsOpt = None,
    model: Annotated[list[str] | None, typer.Option("--model", help="Only these models.")] = None,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="Only these columns.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
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
    _print_frame(frame, fmt)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL over the views responses, attempts, grades.")],
    results: ResultsOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """DuckDB over every run in the store (all schema versions together)."""
    from harness.nightly.history import query as run

    _print_frame(run(results, sql), fmt)


def _print_frame(frame, fmt: str) -> None:  # type: ignore[no-untyped-def]
    if fmt == "csv":
        print(frame.to_csv(index=False), end="")
    elif fmt == "json":
        print(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
    elif fmt == "table":
        table = Table()
        for col in frame.columns:
            table.add_column(str(col))
        for row in frame.itertuples(index=False):
            table.add_row(
                *("" if v is None or (isinstance(v, float) and v != v) else str(v) for v in row)
            )
        out.print(table)
    else:
        raise ConfigError(f"--format {fmt!r}: use table, csv or json")


@app.command()
def schema() -> None:
    """Print the JSON Schema of suite files (editors validate suites with it)."""
    from harness.suites.model import suite_json_schema

    print(json.dumps(suite_json_schema(), indent=2, ensure_ascii=False))


@app.command()
def runs(results: ResultsOpt = None) -> None:
    """List the runs in the results store."""
    for run_id in list_runs(results or str(results_root(None))):
        m = RunStore(results, run_id).manifest()
        sim = " simulated" if m.get("simulated") else ""
        out.print(f"{m['run_id']}  {m.get('status')}  {m.get('rows', 0)}/{m.get('jobs')} jobs{sim}")
