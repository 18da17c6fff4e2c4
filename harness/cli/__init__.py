"""The `bench` command line: one module per command group, each added here explicitly.

User mistakes (a `BenchError`, or a catalog/model-reference error from `providers`) end as one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from harness.cli import catalog, nightly, results, run, suites
from harness.cli.options import err
from harness.errors import BenchError
from providers.errors import ProviderError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Benchmark US and Chinese LLM APIs: quality, latency, price, refusals.",
)
for group in (run, suites, catalog, results, nightly):
    group.register(app)


def main() -> None:
    try:
        app()
    except (BenchError, ProviderError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)


__all__ = ["app", "main"]
