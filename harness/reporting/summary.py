"""The one-page summary: the findings and the overview charts a reader needs first, as HTML
made to print on one A4 page (`bench report --format pdf` prints it, pdf.py)."""

from __future__ import annotations

from html import escape

from harness.reporting import html_parts
from harness.reporting.build import Report
from harness.reporting.fonts import CSS_STACK
from harness.reporting.layout import overview_charts

FIRST = ("pareto", "refusals", "latency", "attacks")
"""The charts the page has room for, in order; two fit beside the findings."""
CSS = (
    f"body{{font:10px/1.35 {CSS_STACK};margin:0;color:#1d1d1f}}"
    """
@page{size:A4;margin:10mm}
h1{font-size:15px;margin:0 0 4px}h2{font-size:12px;margin:6px 0 2px;border-bottom:1px solid #ddd}
.sim{background:#fff3cd;border:1px solid #e0b000;padding:2px 6px;font-weight:600}
.note{color:#555;font-size:9px;margin:2px 0}ol.findings{padding-left:18px;margin:2px 0}
ol.findings li{margin:2px 0}ol.findings li.none{color:#555}a{color:inherit;text-decoration:none}
.detail{display:block;color:#666;font-size:8.5px}
.overview{display:grid;grid-template-columns:1fr 1fr;gap:6px}
figure.chart{margin:0}figcaption{font-weight:600;font-size:10px}
.chart svg{width:100%;height:auto;max-height:82mm}
"""
)


def render(rep: Report) -> str:
    charts = {n: (n, t, svg) for n, t, svg in overview_charts(rep)}
    picked = [charts[n] for n in FIRST if n in charts][:2]
    runs = ", ".join(f"{m.run_id} ({m.suite_name}, {m.created_at[:10]})" for m in rep.manifests)
    sim = (
        "<p class='sim'>SIMULATED DATA: from bench's simulator, not from real vendors.</p>"
        if rep.simulated
        else ""
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>bench summary: {escape(rep.title)}</title><style>{CSS}</style></head><body>"
        f"<h1>bench summary: {escape(rep.title)}</h1>{sim}<p class='note'>{escape(runs)}; "
        f"{rep.responses} responses. Evidence for each finding: report.html.</p>"
        f"{html_parts.findings(rep, links=False)}"
        f"<div class='overview'>{html_parts.charts(picked)}</div></body></html>"
    )


__all__ = ["render"]
