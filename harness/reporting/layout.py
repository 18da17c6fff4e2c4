"""The order a reader meets a report in: findings, one overview chart per axis, model cards,
the evidence tables, then an appendix of the large tables (collapsed in HTML, complete in
Markdown). Renderers take the order from here; the sections themselves come from views.py."""

from __future__ import annotations

import re

from harness.reporting.build import Report
from harness.reporting.findings import delta, fig, p_text
from harness.reporting.views import Section, sections

OVERVIEW = {
    "pareto": "Quality against cost",
    "latency": "Latency",
    "refusals": "Not answered by sensitivity and language",
    "attacks": "Attack success",
    "families": "Where censorship lives",
    "trends": "Trends across runs",
}
"""Overview charts in reading order; a chart not named here or in DETAIL joins the overview."""
DETAIL = {"heatmap": "Not answered per category and language"}
"""Charts too large for the overview: shown with the evidence tables."""
WIDE = {"refusals", "heatmap", "trends", "families"}
"""Charts with a panel per language or run: a row of their own."""
APPENDIX = (
    "Answer labels by sensitivity and language",
    "Paired comparisons",
    "Attack success per family",
    "Tests behind the findings",
)


def slug(title: str) -> str:
    """An anchor for a heading, as GitHub writes them (lower case, spaces to hyphens)."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def overview_charts(rep: Report) -> list[tuple[str, str, str]]:
    """(name, title, svg) of the overview charts present, in reading order."""
    named = [(n, t, rep.charts[n]) for n, t in OVERVIEW.items() if n in rep.charts]
    extra = [(n, n.replace("_", " ").capitalize(), svg) for n, svg in rep.charts.items()]
    return named + [x for x in extra if x[0] not in OVERVIEW and x[0] not in DETAIL]


def detail_charts(rep: Report) -> list[tuple[str, str, str]]:
    return [(n, t, rep.charts[n]) for n, t in DETAIL.items() if n in rep.charts]


def finding_tests(rep: Report) -> Section | None:
    """Every test behind the findings, with its raw and Holm-adjusted p-value."""
    heads = ["question", "A", "B", "shared items", "A", "B", "A − B [95%]", "test", "p", "Holm p"]
    rows = []
    for topic, unit, c in rep.findings.tests:
        rows.append(
            [
                topic,
                c.a,
                c.b,
                str(c.n),
                fig(c.a_value, unit),
                fig(c.b_value, unit),
                f"{delta(c.diff, unit)} [{delta(c.low, unit)}, {delta(c.high, unit)}]",
                c.method,
                p_text(c.p).removeprefix("p "),
                p_text(c.p_adj).removeprefix("p ")
                + (" significant" if c.significant else " not significant"),
            ]
        )
    note = (
        "Each finding's comparisons: the leader against every other model on shared items, or "
        "one model against itself (focus items vs mirrors, ZH vs EN, this run vs the baseline). "
        "Holm's adjustment runs over all of them at once."
    )
    return ("Tests behind the findings", note, heads, rows) if rows else None


def split(rep: Report) -> tuple[list[Section], list[Section]]:
    """The evidence sections, and the appendix's (large tables, the findings' tests)."""
    found = sections(rep)
    tests = finding_tests(rep)
    main = [s for s in found if s[0] not in APPENDIX]
    appendix = [s for s in found if s[0] in APPENDIX] + ([tests] if tests else [])
    return main, appendix


__all__ = [
    "APPENDIX",
    "DETAIL",
    "OVERVIEW",
    "WIDE",
    "detail_charts",
    "overview_charts",
    "slug",
    "split",
]
