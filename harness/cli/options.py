"""What the commands share: the two consoles and every option used by more than one command,
or long enough to crowd a signature, declared once."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True, soft_wrap=True)
out = Console(width=None if sys.stdout.isatty() else 160)

Results = Annotated[
    str | None,
    typer.Option("--results", help="Results store (default: $BENCH_RESULTS or ./results)."),
]
Judges = Annotated[
    list[str] | None,
    typer.Option(
        "--judge", help="vendor:model judging unsure refusal cases and rubrics; repeat for two."
    ),
]
JudgeAll = Annotated[
    bool,
    typer.Option("--judge-all", help="Send every text answer to the judges, not only unsure ones."),
]
TableFormat = Annotated[str, typer.Option("--format", help="table, csv or json.")]

# ---------------------------------------------------------------- bench run
SuiteArg = Annotated[str | None, typer.Argument(help="Suite YAML file.")]
Models = Annotated[
    list[str] | None,
    typer.Option(
        "-m", "--model", help="vendor[@endpoint]:model; repeatable; overrides the suite's models."
    ),
]
Repeat = Annotated[int | None, typer.Option(min=1, help="Repeats per item × model.")]
Concurrency = Annotated[int, typer.Option(min=1, help="Requests in flight overall.")]
EndpointConcurrency = Annotated[
    int | None,
    typer.Option(min=1, help="Requests in flight per endpoint (default: the catalog's limit)."),
]
Rpm = Annotated[int | None, typer.Option(min=1, help="Requests per minute per endpoint.")]
Tpm = Annotated[int | None, typer.Option(min=1, help="Tokens per minute per endpoint.")]
RunId = Annotated[str | None, typer.Option(help="Name of the run directory.")]
Simulate = Annotated[
    bool,
    typer.Option(help="Answer from the built-in simulator instead of real vendors (no keys)."),
]
Resume = Annotated[
    str | None, typer.Option(help="Finish an interrupted run; recorded jobs are never sent again.")
]
Overwrite = Annotated[bool, typer.Option(help="Replace an existing run with the same id.")]
Timeout = Annotated[float, typer.Option(min=0.1, help="Read timeout in seconds.")]
Deadline = Annotated[float, typer.Option(min=0.1, help="Absolute cap per attempt, seconds.")]
MaxAttempts = Annotated[int, typer.Option(min=1, help="HTTP attempts per job.")]
Progress = Annotated[bool, typer.Option(help="Show the live progress display.")]
Grade = Annotated[bool, typer.Option(help="Grade the answers when the run ends.")]
Cache = Annotated[
    bool,
    typer.Option(
        "--cache", help="Reuse answers earlier runs in the store hold (marked cached, no latency)."
    ),
]
Shard = Annotated[
    str | None,
    typer.Option(
        help="K/N: run the K-th of N deterministic slices (combine them with bench merge)."
    ),
]
MaxCost = Annotated[
    float | None,
    typer.Option(min=0, help="USD cap: each call reserves its worst case first; never exceeded."),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Print the plan and a cost range; send nothing.")
]
LagThreshold = Annotated[
    float, typer.Option(min=1, help="Event-loop lag that flags a row latency_suspect.")
]
FamilyOpt = Annotated[
    str | None,
    typer.Option(
        "--family",
        help="Run one family's open weights on every host with a key set (instead of the "
        "suite's models); `bench providers --families` lists them.",
    ),
]
HostsOpt = Annotated[
    str | None,
    typer.Option(
        "--hosts", help="With --family: only these hosts, comma-separated (see --families)."
    ),
]
DataPolicy = Annotated[
    str | None,
    typer.Option(
        "--policy",
        help="Data policy file: refuse endpoints the suite's data_class may not reach "
        "(default $BENCH_POLICY).",
    ),
]
