"""The Markdown report."""

from __future__ import annotations

from harness.reporting.build import Report
from harness.reporting.views import sections

WATERMARK = (
    "> **SIMULATED DATA** — answers came from bench's built-in simulator, not from real "
    "vendors. Use it to check the pipeline, not to choose a vendor."
)


_MARKUP = str.maketrans({"<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "`": "\\`"})
"""Model text is data: no HTML, no links, no images, no code spans may come out of it."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _text(text: str) -> str:
    """Model (or prompt) text as inert Markdown: HTML escaped, link and image brackets and code
    spans neutralised, table pipes escaped, on one line."""
    return _cell(text.translate(_MARKUP))


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
    for title, note, heads, rows in sections(rep):
        lines += [f"## {title}", ""]
        if note:
            lines += [note, ""]
        lines += ["| " + " | ".join(heads) + " |", "|" + "|".join("---" for _ in heads) + "|"]
        lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
        lines.append("")
    if rep.samples:
        lines += [
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
    if rep.charts:
        lines += [
            "Charts (quality vs cost, latency, heatmap, trends, hosts) are in report.html.",
            "",
        ]
    if rep.simulated:
        lines += [WATERMARK, ""]
    return "\n".join(lines)


__all__ = ["render"]
