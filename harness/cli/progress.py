"""A live progress display (rich) with per-model counts: done, blocked, errors."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.execute.jobs import Job
from harness.results.records import ResponseRow


class RunProgress:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}", style="bold"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn(
                "ok {task.fields[ok]}  blocked {task.fields[blocked]}  "
                "withdrawn {task.fields[withdrawn]}  errors {task.fields[errors]}"
            ),
            TimeElapsedColumn(),
            console=console,
            refresh_per_second=4,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)

    def start(self, jobs: list[Job], done: set[str]) -> RunProgress:
        totals = Counter(j.target.ref for j in jobs)
        already = Counter(j.target.ref for j in jobs if j.job_id in done)
        width = max(len(m) for m in totals) if totals else 10
        for model, total in totals.items():
            self.tasks[model] = self.progress.add_task(
                model.ljust(width),
                total=total,
                completed=already[model],
                ok=0,
                blocked=0,
                withdrawn=0,
                errors=0,
            )
        if done:
            self.console.print(f"resuming: {len(done)} of {len(jobs)} jobs already recorded")
        self.progress.start()
        return self

    def done(self, job: Job, row: ResponseRow) -> None:
        model = job.target.ref
        c = self.counts[model]
        c[row.outcome] += 1
        self.progress.update(
            self.tasks[model],
            advance=1,
            ok=c["ok"],
            blocked=c["api_block"],
            withdrawn=c["withdrawn"],
            errors=c["error"],
        )

    def stop(self) -> None:
        self.progress.stop()


__all__ = ["RunProgress"]
