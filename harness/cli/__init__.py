"""The `bench` command line. User mistakes end as one line on stderr and exit status 2."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from harness.calls.http import Timeouts
from harness.calls.retry import RetryPolicy
from harness.cli.progress import RunProgress
from harness.errors import BenchError, ConfigError
from harness.execute.run import RunOptions, execute
from harness.execute.scheduler import Limits
from harness.results.store import RunStore
from harness.suites import check_suite
from providers import load_catalog

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Benchmark US and Chinese LLM APIs: quality, latency, price, refusals.",
)
err = Console(stderr=True, soft_wrap=True)
out = Console(width=None if sys.stdout.isatty() else 160)

ResultsOpt = Annotated[
    str | None,
    typer.Option("--results", help="Results store (default: $BENCH_RESULTS or ./results)."),
]
JudgeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--judge", help="vendor:model judging unsure refusal cases and rubrics; repeat for two."
    ),
]
JudgeAllOpt = Annotated[
    bool,
    typer.Option("--judge-all", help="Send every text answer to the judges, not only unsure ones."),
]


@app.command()
def run(
    suite: Annotated[str | None, typer.Argument(help="Suite YAML file.")] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "-m",
            "--model",
            help="vendor[@endpoint]:model; repeatable; overrides the suite's models.",
        ),
    ] = None,
    repeat: Annotated[int | None, typer.Option(min=1, help="Repeats per item × model.")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight overall.")] = 32,
    endpoint_concurrency: Annotated[
        int | None,
        typer.Option(min=1, help="Requests in flight per endpoint (default: the catalog's limit)."),
    ] = None,
    rpm: Annotated[
        int | None, typer.Option(min=1, help="Requests per minute per endpoint.")
    ] = None,
    results: ResultsOpt = None,
    run_id: Annotated[str | None, typer.Option(help="Name of the run directory.")] = None,
    simulate: Annotated[
        bool,
        typer.Option(
            help="Answer from the built-in simulator instead of real vendors (no keys needed)."
        ),
    ] = False,
    resume: Annotated[
        str | None,
        typer.Option(help="Finish an interrupted run; recorded jobs are never sent again."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace an existing run with the same id.")
    ] = False,
    timeout: Annotated[float, typer.Option(min=0.1, help="Read timeout in seconds.")] = 120.0,
    deadline: Annotated[
        float, typer.Option(min=0.1, help="Absolute cap per attempt, seconds.")
    ] = 600.0,
    max_attempts: Annotated[int, typer.Option(min=1, help="HTTP attempts per job.")] = 5,
    progress: Annotated[bool, typer.Option(help="Show the live progress display.")] = True,
    grade: Annotated[bool, typer.Option(help="Grade the answers when the run ends.")] = True,
    judge: JudgeOpt = None,
    judge_all: JudgeAllOpt = False,
    tpm: Annotated[int | None, typer.Option(min=1, help="Tokens per minute per endpoint.")] = None,
    cache: Annotated[
        bool,
        typer.Option(
            "--cache",
            help="Reuse answers earlier runs in the store hold (marked cached, no latency).",
        ),
    ] = False,
    shard: Annotated[
        str | None,
        typer.Option(
            help="K/N: run the K-th of N deterministic slices (combine them with bench merge)."
        ),
    ] = None,
    max_cost: Annotated[
        float | None,
        typer.Option(
            min=0, help="USD cap: each job reserves its worst case first; never exceeded."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and a cost range; send nothing.")
    ] = False,
    lag_threshold_ms: Annotated[
        float, typer.Option(min=1, help="Event-loop lag that flags a row latency_suspect.")
    ] = 20.0,
) -> None:
    """Send every suite item to every model and record the answers as Parquet."""
    opts = RunOptions(
        suite_path=suite,
        models=list(model or []),
        repeat=repeat,
        results=results,
        run_id=run_id,
        resume=resume,
        simulate=simulate,
        overwrite=overwrite,
        limits=Limits(concurrency, endpoint_concurrency, rpm, tpm, lag_threshold_ms / 1000),
        shard=_shard(shard),
        cache=cache,
        max_cost=max_cost,
        timeouts=Timeouts(read_s=timeout, deadline_s=deadline),
        policy=RetryPolicy(max_attempts=max_attempts),
    )
    if dry_run:
        _dry_run(opts)
        return
    display = RunProgress(err) if progress and err.is_terminal else None

    def on_start(jobs, done):  # type: ignore[no-untyped-def]
        if display is None:
            err.print(f"{len(jobs)} jobs, {len(done)} already recorded")
            return None
        return display.start(jobs, done).done

    try:
        result = execute(opts, on_start)
    except KeyboardInterrupt:
        if display:
            display.stop()
        rid = resume or run_id or "<run id>"
        err.print(
            f"interrupted; finished jobs are saved. Resume with: bench run --resume {rid}"
            + (f" --results {results}" if results else "")
        )
        raise typer.Exit(130) from None
    finally:
        if display:
            display.stop()
    m = result.manifest
    if grade and result.rows:
        _grade(result.store, None, judge or [], judge_all)
    sim = " (SIMULATED)" if m.get("simulated") else ""
    out.print(
        f"run {m['run_id']}{sim}: {result.rows} of {m['jobs']} jobs recorded, status {m['status']}"
    )
    _summary(m.get("summary") or {})
    out.print(f"results: {result.store.dir}")
    if m["status"] != "finished":
        out.print(f"resume with: bench run --resume {m['run_id']}")


def _dry_run(opts: RunOptions) -> None:
    from harness.execute.estimate import plan
    from harness.execute.run import planned_jobs
    from harness.pricing.quote import FxRate

    fx = FxRate.from_env()
    plans = plan(planned_jobs(opts), fx)
    table = Table(title="bench run --dry-run: nothing is sent")
    for col in (
        "model",
        "jobs",
        "input tokens/job",
        "method",
        "cost low USD",
        "cost high USD",
        "key",
    ):
        table.add_column(col)
    low = high = 0.0
    unpriced = []
    for p in plans:

        def money(v: float | None) -> str:
            return "unpriced" if v is None else f"{v:.4f}"

        table.add_row(
            p.ref,
            str(p.jobs),
            str(p.input_tokens // max(p.jobs, 1)),
            ", ".join(sorted(p.methods)),
            money(p.low_usd),
            money(p.high_usd),
            "set" if p.key_set else f"MISSING {p.key_env}",
        )
        if p.low_usd is None or p.high_usd is None:
            unpriced.append(p.ref)
        else:
            low, high = low + p.low_usd, high + p.high_usd
    out.print(table)
    out.print(
        f"total: {sum(p.jobs for p in plans)} jobs; cost {low:.4f}-{high:.4f} USD"
        + (f" plus unpriced models: {', '.join(unpriced)}" if unpriced else "")
        + f" (CNY at {fx.cny_per_usd} per USD, {fx.source})"
    )
    missing = [p.key_env for p in plans if not p.key_set]
    if missing:
        out.print(f"missing keys: {', '.join(sorted(set(missing)))}")


def _shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ConfigError(f"--shard {text!r}: write K/N, e.g. 2/8") from None
    if not 1 <= k <= n:
        raise ConfigError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def _summary(s: dict) -> None:
    """The run's reliability figures: failed attempts, backoffs, cache, suspect latency."""
    failed = s.get("failed_attempts") or {}
    if failed:
        out.print(
            "failed attempts (retried or final): "
            + ", ".join(f"{k} {v}" for k, v in sorted(failed.items()))
        )
    for endpoint, g in (s.get("adaptive") or {}).items():
        out.print(
            f"adaptive concurrency {endpoint}: backed off {g['cuts']}x under 429s, "
            f"down to {g['low']}, ended at {g['final']} of {g['max']}"
        )
    if s.get("cached"):
        out.print(
            f"cached: {s['cached']} answers served from earlier runs (no request, no latency)"
        )
    if s.get("latency_suspect"):
        out.print(
            f"latency_suspect: {s['latency_suspect']} rows measured while bench's own loop "
            f"lagged (max {s.get('max_loop_lag_ms')} ms); lower --concurrency for latency work"
        )


def _grade(store: RunStore, graders: list[str] | None, judges: list[str], judge_all: bool) -> None:
    from harness.grading.grade import grade_run  # (pandas only when grading)

    summary = grade_run(store, graders, judges, judge_all)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_grader.items()))
    out.print(f"grades: {summary.rows} rows ({counts or 'no grader applied'})")
    if summary.judged:
        which = "" if judge_all else " (those the rules were unsure of)"
        out.print(f"judged: {summary.judged} answers{which}")
    for pair, kappa in summary.kappa.items():
        shown = "n/a" if kappa is None else f"{kappa:.2f}"
        out.print(f"judge agreement (Cohen's kappa) {pair}: {shown}")


@app.command()
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


@app.command()
def providers(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Send one tiny request per vendor whose key is set (spends tokens)."
        ),
    ] = False,
    vendor: Annotated[
        list[str] | None, typer.Option("--vendor", help="Only these vendors.")
    ] = None,
) -> None:
    """Every catalog vendor: HQ, endpoints, protocol, key variable and whether it is set."""
    catalog = load_catalog()
    if vendor:
        unknown = sorted(set(vendor) - set(catalog))
        if unknown:
            raise ConfigError(f"unknown vendor {unknown[0]!r}; use one of {', '.join(catalog)}")
        catalog = {k: v for k, v in catalog.items() if k in vendor}
    if check:
        _check(list(catalog.values()))
        return
    rows = []
    for v in catalog.values():
        rows.append(
            {
                "vendor": v.id,
                "name": v.name,
                "hq": v.hq,
                "protocol": v.protocol,
                "endpoints": {
                    k: {
                        "base_url": e.base_url,
                        "region": e.region,
                        "protocol": e.protocol or v.protocol,
                    }
                    for k, e in v.endpoints.items()
                },
                "default_endpoint": v.default_endpoint,
                "key_env": v.api_key_env,
                "key_set": v.key_is_set(),
                "key_required": v.key_required,
                "base_url_env": v.base_url_env,
            }
        )
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title="bench vendor catalog")
    for col in ("vendor", "HQ", "protocol", "endpoints (region)", "key env", "key"):
        table.add_column(col)
    for r in rows:
        eps = "\n".join(
            f"{k}{'*' if k == r['default_endpoint'] else ''}: {e['base_url']} ({e['region']})"
            for k, e in r["endpoints"].items()
        )
        key = "set" if r["key_set"] else ("not set" if r["key_required"] else "optional")
        table.add_row(r["vendor"], r["hq"], r["protocol"], eps, r["key_env"], key)
    out.print(table)
    out.print(
        "* default endpoint; pick another with vendor@endpoint:model. Override a base URL "
        "with <PREFIX>_BASE_URL, PREFIX being the key variable's (FOO_API_KEY → FOO_BASE_URL)."
    )


def _check(vendors: list) -> None:  # type: ignore[type-arg]
    from harness.calls.probe import check  # (only when asked: it calls vendors)

    results = check(vendors)
    skipped = [v.id for v in vendors if not (v.check_model and v.key_is_set())]
    for r in results:
        mark = "ok  " if r.ok else "FAIL"
        out.print(f"{mark} {r.ref}: {r.summary}", markup=False, highlight=False, soft_wrap=True)
    if skipped:
        out.print(f"skipped (no key set or no check model): {', '.join(skipped)}")
    if any(not r.ok for r in results):
        raise typer.Exit(1)


@app.command()
def simulate(
    port: Annotated[int, typer.Option(help="Loopback port to serve on.")] = 8765,
    ttft_ms: Annotated[float, typer.Option(help="Delay before the first token.")] = 40.0,
    token_ms: Annotated[float, typer.Option(help="Delay between tokens.")] = 2.0,
) -> None:
    """Serve the simulator on loopback: /v/<vendor>/<endpoint>/chat/completions."""
    from harness.simulator import SimConfig, Simulator

    sim = Simulator(SimConfig(ttft_ms=ttft_ms, token_ms=token_ms), port=port)
    url = sim.start()
    vendor = next(iter(load_catalog().values()))
    out.print(
        f"simulator on {url}; point a vendor at it with "
        f"{vendor.base_url_env}={url}/v/{vendor.id}/{vendor.default_endpoint}  (Ctrl-C stops)"
    )
    try:
        sim._thread.join()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        sim.stop()


def main() -> None:
    try:
        app()
    except BenchError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


__all__ = ["app", "main"]


from harness.cli import results as _results  # noqa: E402, F401  (registers its commands)
