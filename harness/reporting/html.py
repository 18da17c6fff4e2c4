"""One self-contained HTML file: inline CSS and SVG charts, nothing fetched, every model text
escaped, a watermark on every printed page when the data is simulated.

A reader meets the findings first, then one overview chart per axis, the model cards, the
evidence tables, and an appendix of large tables collapsed under <details> (layout.py)."""

from __future__ import annotations

from html import escape

from harness.reporting import html_parts as parts_of
from harness.reporting.build import Report
from harness.reporting.fonts import CSS_STACK
from harness.reporting.layout import split

CSS = (
    f"body{{font:14px/1.45 {CSS_STACK};margin:2rem auto;"
    """
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
ol.findings{margin:.3rem 0}ol.findings li{margin:.15rem 0;line-height:1.35}
ol.findings li.none{color:#555}
.detail{display:block;color:#666;font-size:11.5px}
.overview{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:1rem}
#overview h2,#findings h2{margin-top:1rem}
figure.chart{margin:0}figure.wide{grid-column:1/-1}figcaption{font-weight:600;font-size:13px}
.card{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}
.card h3{margin:.2rem 0}.card h4{font-size:13px;margin:.5rem 0 .2rem}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:1px 10px;font-size:12px;margin:0;
 align-content:start}
dt{color:#555}dd{margin:0}
details{margin:.5rem 0}summary{font-weight:600;cursor:pointer;font-size:1.05rem}
@media print{.watermark{position:fixed}th{position:static}h2{break-after:avoid}
 table,.chart,.card{break-inside:avoid}details>*{display:block}}
"""
)


def _head(rep: Report) -> list[str]:
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>bench report: {escape(rep.title)}</title><style>{CSS}</style></head><body>",
    ]
    if rep.simulated:
        out.append("<div class='watermark' aria-hidden='true'>SIMULATED</div>")
        out.append(
            "<p class='sim'>SIMULATED DATA: answers came from bench's built-in simulator, not "
            "from real vendors. Use it to check the pipeline, not to choose a vendor.</p>"
        )
    out.append(f"<h1>bench report: {escape(rep.title)}</h1><ul>")
    for m in rep.manifests:
        out.append(
            f"<li>run <code>{escape(m.run_id)}</code>: suite "
            f"<code>{escape(m.suite_name)}</code>, "
            f"{escape(m.created_at)}, status {escape(m.status)}, "
            f"{escape('?' if m.rows is None else str(m.rows))} responses</li>"
        )
    out.append("</ul>")
    return out


def _samples(rep: Report) -> list[str]:
    if not rep.samples:
        return []
    out = [
        "<h2 id='side-by-side'>Side by side</h2><p class='note'>China-sensitive items the "
        "models treated most differently. Model text is shown as text, never as markup.</p>"
    ]
    for s in rep.samples:
        out.append(
            f"<h3>{escape(s['case_id'])}</h3><blockquote lang='{parts_of.lang_of(s['prompt'])}'>"
            f"{escape(s['prompt'])}</blockquote><div class='answers'>"
        )
        for a in s["answers"]:
            out.append(
                f"<div class='answer' lang='{parts_of.lang_of(a['text'])}'><div class='label'>"
                f"{escape(a['model'])} · {escape(str(a['label']))}</div>{escape(a['text'])}</div>"
            )
        out.append("</div>")
    return out


def render(rep: Report) -> str:
    main, appendix = split(rep)
    out = _head(rep)
    out += [parts_of.findings(rep), parts_of.overview(rep), parts_of.model_cards(rep)]
    out += [parts_of.section(s) for s in main]
    out.append(parts_of.detail(rep))
    out += _samples(rep)
    if appendix:
        out.append(
            "<h2 id='appendix'>Appendix</h2><p class='note'>The large tables, complete; "
            "click a title to open it.</p>"
        )
        out += [parts_of.section(s, collapsed=True) for s in appendix]
    out.append("</body></html>")
    return "".join(out)


__all__ = ["render"]
