"""`bench check`'s verdict as Markdown (a CI job summary or PR comment) and JUnit XML."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from harness.nightly.check import CheckReport


def markdown(res: CheckReport) -> str:
    status = "REGRESSION" if res.failed else "pass"
    lines = [
        f"## bench check: {res.run} vs {res.baseline}: {status}",
        "",
        f"{len(res.results)} checks, {len(res.failed)} failed.",
        "",
    ]
    lines += ["| rule | model | result | detail |", "|---|---|---|---|"]
    lines += [
        f"| {o.rule} | {o.model} | {'pass' if o.passed else '**FAIL**'} | {o.detail} |"
        for o in res.results
    ]
    if res.drift:
        lines += ["", "### Drift", ""] + [f"- {d}" for d in res.drift]
    return "\n".join(lines) + "\n"


def junit(res: CheckReport) -> str:
    cases = []
    for o in res.results:
        name = quoteattr(f"{o.rule} [{o.model}]")
        body = (
            ""
            if o.passed
            else f"<failure message={quoteattr(o.detail)}>{escape(o.detail)}</failure>"
        )
        cases.append(
            f'  <testcase classname="bench.check" name={name} time="0">{body}'
            f"<system-out>{escape(o.detail)}</system-out></testcase>"
        )
    drift = "".join(f"{escape(d)}\n" for d in res.drift)
    suite = (
        f"<testsuite name={quoteattr(f'bench check {res.run} vs {res.baseline}')} "
        f'tests="{len(res.results)}" failures="{len(res.failed)}" errors="0" skipped="0">\n'
        + "\n".join(cases)
        + (f"\n  <system-out>{drift}</system-out>" if drift else "")
        + "\n</testsuite>"
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n{suite}\n</testsuites>\n'


__all__ = ["junit", "markdown"]
