"""The Markdown report, in the order of layout.py: findings, overview charts (SVG files beside
the report), model cards, evidence tables, and the appendix's large tables in full."""

from __future__ import annotations

from harness.reporting.build import Report
from harness.reporting.cards import cards
from harness.reporting.layout import detail_charts, overview_charts, split
from harness.reporting.views import Section

WATERMARK = (
    "> **SIMULATED DATA** — answers came from bench's built-in simulator, not from real "
    "vendors. Use it to check the pipeline, not to choose a vendor."
)
CHART_DIR = "charts"
"""Where `write_report` puts each chart as an SVG file, beside report.md."""


_MARKUP = str.maketrans({"<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "`": "\\`"})
"""Model text is data: no HTML, no links, no images, no code spans may come out of it."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _text(text: str) -> str:
    """Model (or prompt) text as inert Markdown: HTML escaped, link and image brackets and code
    spans neutralised, table pipes escaped, on one line."""
    return _cell(text.translate(_MARKUP))


def _table(s: Section, level: str = "##") -> list[str]:
    title, note, heads, rows = s
    lines = [f"{level} {title}", ""] + ([note, ""] if note else [])
    lines += ["| " + " | ".join(heads) + " |", "|" + "|".join("---" for _ in heads) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return [*lines, ""]


def _findings(rep: Report) -> list[str]:
    lines = ["## Findings", ""]
    lines += [n + "\n" for n in rep.findings.notes]
    for i, f in enumerate(rep.findings.items, 1):
        lines.append(
            f"{i}. **{_text(f.topic)}:** {_text(f.text)} [evidence](#{f.evidence})  \n"
            f"   {_text(f.detail)}"
        )
    if rep.baseline:
        lines += ["", f"Compared with baseline run `{rep.baseline}`."]
    return [*lines, ""]


def _charts(named: list[tuple[str, str, str]]) -> list[str]:
    lines = []
    for name, title, _ in named:
        lines += [f'<a id="chart-{name}"></a>', "", f"![{title}]({CHART_DIR}/{name}.svg)", ""]
    return lines


def _cards(rep: Report) -> list[str]:
    lines = ["## Models", ""]
    for c in cards(rep):
        lines += [f'<a id="{c.anchor}"></a>', "", f"### {_text(c.model)}", ""]
        lines += [f"- {k}: {_text(v)}" for k, v in [*c.figures, *c.provenance]]
        if c.answers:
            lines += ["", "Answers that differ most from the other models':", ""]
        for a in c.answers:
            lines.append(
                f"1. {_text(a['case_id'])}: **{_text(a['label'])}** (others: "
                f"{_text(a['others'])}). Prompt: {_text(a['prompt'])} Answer: "
                f"{_text(a['text'][:400])}"
            )
        lines.append("")
    return lines


def _samples(rep: Report) -> list[str]:
    if not rep.samples:
        return []
    lines = [
        "## Side by side",
        "",
        "China-sensitive items the models treated most differently.",
        "",
    ]
    for s in rep.samples:
        lines += [f"### {_text(s['case_id'])}", "", f"> {_text(s['prompt'])}", ""]
        lines += [
            f"- **{a['model']}** ({a['label']}): {_text(a['text'][:400])}" for a in s["answers"]
        ]
        lines.append("")
    return lines


def render(rep: Report) -> str:
    lines = [f"# bench report: {rep.title}", ""]
    if rep.simulated:
        lines += [WATERMARK, ""]
    for m in rep.manifests:
        lines.append(
            f"- run `{m.run_id}`: suite `{m.suite_name}` (sha256 "
            f"`{m.suite_hash[:12]}`), {m.created_at}, status {m.status}, "
            f"{'?' if m.rows is None else m.rows} responses{', simulated' if m.simulated else ''}"
        )
    lines.append("")
    main, appendix = split(rep)
    lines += _findings(rep)
    if overview_charts(rep):
        lines += ["## Overview", "", *_charts(overview_charts(rep))]
    lines += _cards(rep)
    for s in main:
        lines += _table(s)
    lines += _charts(detail_charts(rep))
    lines += _samples(rep)
    if appendix:
        lines += ["## Appendix", ""]
        for s in appendix:
            lines += _table(s, "###")
    if rep.simulated:
        lines += [WATERMARK, ""]
    return "\n".join(lines)


__all__ = ["CHART_DIR", "render"]
