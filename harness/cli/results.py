"""`bench grade`, `classify`, `report`, `runs`, `merge`: reading and reworking stored runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from harness.cli import show
from harness.cli.options import JudgeAll, Judges, Results, err, out
from harness.errors import ConfigError, ResultsError
from harness.results.store import RunStore, list_runs, results_root

if TYPE_CHECKING:
    from harness.reporting.build import Report


def grade(
    run_id: Annotated[str, typer.Argument(help="Run to grade.")],
    results: Results = None,
    grader: Annotated[
        list[str] | None,
        typer.Option("--grader", help="A grader's name; repeatable (default: the suite's)."),
    ] = None,
    judge: Judges = None,
    judge_all: JudgeAll = False,
) -> None:
    """(Re)grade a run's stored answers into grades-*.parquet; no answer is paid for twice."""
    from harness.grading.grade import grade_run  # (pandas only when grading)
    from harness.grading.registry import get_grader

    for name in grader or []:
        get_grader(name)  # an unknown name fails before anything is read
    show.grades(grade_run(RunStore(results, run_id), grader, judge or [], judge_all), judge_all)


def classify(
    file: Annotated[
        str, typer.Argument(help="JSON lines with prompt, response and optional lang.")
    ],
    judge: Judges = None,
    suite: Annotated[
        str | None,
        typer.Option(
            help="Suite whose items the lines answer (a line's case_id): graded against the "
            "item's reference facts."
        ),
    ] = None,
) -> None:
    """Label answers collected elsewhere: one JSON line out per line in (label, rationale)."""
    from harness.grading.classify import classify_file  # (only when asked)

    for line in classify_file(file, judge or [], suite):
        print(line, flush=True)


def judge_check(
    judge: Annotated[str, typer.Option("--judge", help="vendor:model to check.")],
    simulate: Annotated[
        bool, typer.Option(help="Ask the built-in simulator's judge instead (no key needed).")
    ] = False,
    results: Results = None,
) -> None:
    """Run a judge on the bundled bilingual gold set: accuracy, recall, kappa, cost, time."""
    from harness.grading.judge_check import run_check, save

    check = run_check(judge, simulate)
    sim = " (SIMULATED judge)" if simulate else ""
    out.print(f"judge-check {check.judge}{sim}: {check.n} gold answers, {check.seconds} s")
    out.print(f"accuracy {check.accuracy:.1%}; Cohen's kappa vs gold " + (
        "n/a" if check.kappa is None else f"{check.kappa:.2f}"))  # fmt: skip
    recall = ", ".join(
        f"{lab} {'–' if r is None else f'{r:.0%}'}" for lab, r in check.recall.items()
    )
    out.print(f"recall per label: {recall}; judge_error {check.errors}")
    out.print("cost: " + ("unpriced" if check.cost_usd is None else f"{check.cost_usd:.4f} USD"))
    out.print(f"kept: {save(results or str(results_root(None)), check)}")


def report(
    run_ids: Annotated[list[str], typer.Argument(help="Runs to report on (several: trends).")],
    results: Results = None,
    out_dir: Annotated[
        str | None, typer.Option("--out", help="Reports directory (default ./reports).")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="Any of md, html, json, pdf (a one-page summary, printed by Chromium), "
            "comma-separated.",
        ),
    ] = "md,html",
    baseline: Annotated[
        str | None,
        typer.Option(help="A run of the same suite to compare with: findings say what moved."),
    ] = None,
) -> None:
    """Write the comparison report to <out>/<run_id>/report.{md,html,json,pdf}."""
    from harness.reporting import FORMATS, write_report  # (pandas, scipy only when reporting)

    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ConfigError(f"--format {fmt!r}: use md, html, json or pdf, comma-separated")
    _check_out_dir(out_dir)
    base = RunStore(results, baseline) if baseline else None
    try:
        path = write_report(
            [RunStore(results, r) for r in run_ids], out_dir, formats, base, _print_reading
        )
    except OSError as exc:
        raise ResultsError(
            f"--out {out_dir or 'reports'}: cannot write the report ({exc.strerror or exc}); "
            "give a directory you can write to"
        ) from None
    for f in formats:
        out.print(f"report: {path / ('report.' + f)}")


def _print_reading(rep: Report) -> None:
    """Where censorship lives, per family of a `--family` run: the report's reading, said."""
    for f in rep.layers:
        out.print(f"where censorship lives, {f.family}:", markup=False)
        for line in f.lines:
            out.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)


def _check_out_dir(out_dir: str | None) -> None:
    """`--out` names a directory: an existing file there (or in its path) is refused before
    anything is read, as one line."""
    path = Path(out_dir or "reports")
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                raise ConfigError(f"--out {path}: {p} is a file; give a directory for the reports")
            return


def merge(
    run_ids: Annotated[
        list[str], typer.Argument(help="Runs to combine (e.g. the shards of one run).")
    ],
    into: Annotated[str, typer.Option("--into", help="Id of the merged run.")],
    results: Results = None,
) -> None:
    """Combine run directories of one suite (shards, machines) into one run."""
    from harness.results.merge import merge_runs

    m = merge_runs(results, run_ids, into).manifest()
    out.print(f"merged {len(run_ids)} runs into {m.run_id}: {m.rows} rows, status {m.status}")


def runs(results: Results = None) -> None:
    """List the runs in the results store."""
    for run_id in list_runs(results or str(results_root(None))):
        try:
            m = RunStore(results, run_id).manifest()
        except ResultsError as exc:  # a damaged run is named and skipped; the rest are listed
            err.print(f"skipped run {run_id}: {exc}", markup=False, highlight=False)
            continue
        sim = " simulated" if m.simulated else ""
        out.print(f"{m.run_id}  {m.status}  {m.rows or 0}/{m.jobs} jobs{sim}")


def register(app: typer.Typer) -> None:
    for command in (grade, classify, report, merge, runs):
        app.command()(command)
    app.command("judge-check")(judge_check)


__all__ = ["register"]
