"""One self-contained HTML file: inline CSS and SVG charts, nothing fetched, every model text
escaped, a watermark on every printed page when the data is simulated."""

from __future__ import annotations

from html import escape

from harness.reporting.build import Report
from harness.reporting.views import sections

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;
 max-width:1280px;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:12px;margin:.5rem 0 1rem;width:100%}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f5f5f7;position:sticky;top:0}tr:nth-child(even) td{background:#fafafa}
.note{color:#555;font-size:12px}.chart svg{max-width:100%;height:auto}
.sim{background:#fff3cd;border:1px solid #e0b000;padding:.5rem 1rem;font-weight:600}
.watermark{position:fixed;top:40%;left:0;right:0;text-align:center;font-size:5rem;
 color:rgba(200,0,0,.07);transform:rotate(-20deg);pointer-events:none;z-index:10}
.answers{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:.5rem}
.answer{border:1px solid #ddd;padding:.5rem;white-space:pre-wrap;font-size:12px;
 overflow-wrap:anywhere}
.label{font-weight:600}
@media print{.watermark{position:fixed}th{position:static}h2{break-after:avoid}
 table,.chart{break-inside:avoid}}
"""


def _table(heads: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(rep: Report) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>bench report: {escape(rep.title)}</title><style>{CSS}</style></head><body>",
    ]
    if rep.simulated:
        parts.append("<div class='watermark' aria-hidden='true'>SIMULATED</div>")
        parts.append(
            "<p class='sim'>SIMULATED DATA: answers came from bench's built-in simulator, not "
            "from real vendors. Use it to check the pipeline, not to choose a vendor.</p>"
        )
    parts.append(f"<h1>bench report: {escape(rep.title)}</h1><ul>")
    for m in rep.manifests:
        parts.append(
            f"<li>run <code>{escape(m.run_id)}</code>: suite "
            f"<code>{escape(m.suite_name)}</code>, "
            f"{escape(m.created_at)}, status {escape(m.status)}, "
            f"{escape('?' if m.rows is None else str(m.rows))} responses</li>"
        )
    parts.append("</ul>")
    for title, note, heads, rows in sections(rep):
        parts.append(f"<h2>{escape(title)}</h2>")
        if note:
            parts.append(f"<p class='note'>{escape(note)}</p>")
        parts.append(_table(heads, rows))
    titles = {
        "pareto": "Quality against cost",
        "latency": "Latency distributions",
        "heatmap": "Not answered per category and language",
        "trends": "Trends",
        "hosts": "Where censorship lives: the same weights on each host",
    }
    for name, svg in rep.charts.items():
        parts.append(f"<h2>{titles[name]}</h2><div class='chart' id='chart-{name}'>{svg}</div>")
    if rep.samples:
        parts.append(
            "<h2>Side by side</h2><p class='note'>China-sensitive items the models treated "
            "most differently. Model text is shown as text, never as markup.</p>"
        )
        for s in rep.samples:
            parts.append(
                f"<h3>{escape(s['case_id'])}</h3><blockquote>{escape(s['prompt'])}</blockquote>"
                "<div class='answers'>"
            )
            for a in s["answers"]:
                parts.append(
                    f"<div class='answer'><div class='label'>{escape(a['model'])} · "
                    f"{escape(str(a['label']))}</div>{escape(a['text'])}</div>"
                )
            parts.append("</div>")
    parts.append("</body></html>")
    return "".join(parts)


__all__ = ["render"]
