"""The HTML of the parts a reader meets first (findings, overview charts, model cards) and of
collapsed appendix tables. Every string from a run (model text, prompts, names) is escaped."""

from __future__ import annotations

from html import escape

from harness.reporting.build import Report
from harness.reporting.cards import Card, cards
from harness.reporting.layout import WIDE, detail_charts, overview_charts, slug
from harness.reporting.views import Section

CJK = ("\u3400", "\u9fff")


def lang_of(text: str) -> str:
    """`zh` when the text has Hanzi, so the browser picks Chinese glyph forms."""
    return "zh-Hans" if any(CJK[0] <= ch <= CJK[1] for ch in text) else "en"


def table(heads: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section(s: Section, collapsed: bool = False) -> str:
    title, note, heads, rows = s
    text = f"<p class='note'>{escape(note)}</p>" if note else ""
    if collapsed:
        return (
            f"<details id='{slug(title)}'><summary>{escape(title)} ({len(rows)} rows)</summary>"
            f"{text}{table(heads, rows)}</details>"
        )
    return f"<h2 id='{slug(title)}'>{escape(title)}</h2>{text}{table(heads, rows)}"


def findings(rep: Report, links: bool = True) -> str:
    """The numbered findings; `links` to their evidence (not on the printed summary)."""
    f = rep.findings
    items = "".join(
        f"<li id='finding-{i}' class='{'claim' if x.claim else 'none'}'>"
        f"<b>{escape(x.topic)}:</b> {escape(x.text)} "
        + (f"<a href='#{escape(x.evidence)}'>evidence</a>" if links else "")
        + f"<span class='detail'>{escape(x.detail)}</span></li>"
        for i, x in enumerate(f.items, 1)
    )
    notes = "".join(f"<p class='note'>{escape(n)}</p>" for n in f.notes)
    base = f" Compared with baseline run {escape(rep.baseline)}." if rep.baseline else ""
    return (
        f"<section id='findings'><h2>Findings</h2>{notes}"
        f"<ol class='findings'>{items or '<li>No comparison had enough shared items.</li>'}</ol>"
        f"{f'<p class=note>{base}</p>' if base else ''}</section>"
    )


def charts(named: list[tuple[str, str, str]]) -> str:
    return "".join(
        f"<figure class='chart{' wide' if n in WIDE else ''}' id='chart-{escape(n)}'>"
        f"<figcaption>{escape(t)}</figcaption>"
        f"{svg}</figure>"
        for n, t, svg in named
    )


def overview(rep: Report) -> str:
    named = overview_charts(rep)
    if not named:
        return ""
    return (
        "<section id='overview'><h2>Overview</h2>"
        f"<div class='overview'>{charts(named)}</div></section>"
    )


def detail(rep: Report) -> str:
    return charts(detail_charts(rep))


def _card(c: Card) -> str:
    figures = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in c.figures)
    where = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in c.provenance)
    answers = "".join(
        f"<li><span class='label'>{escape(a['case_id'])} · {escape(a['label'])}</span> "
        f"(others: {escape(a['others'])})<blockquote lang='{lang_of(a['prompt'])}'>"
        f"{escape(a['prompt'])}</blockquote><div class='answer' lang='{lang_of(a['text'])}'>"
        f"{escape(a['text'])}</div></li>"
        for a in c.answers
    )
    return (
        f"<article class='card' id='{escape(c.anchor)}'><h3>{escape(c.model)}</h3>"
        f"<div class='cols'><dl>{figures}</dl><dl>{where}</dl></div>"
        + (
            f"<h4>Answers that differ most from the other models'</h4><ol>{answers}</ol>"
            if answers
            else ""
        )
        + "</article>"
    )


def model_cards(rep: Report) -> str:
    found = cards(rep)
    if not found:
        return ""
    return (
        "<section id='models'><h2>Models</h2><p class='note'>One card per model: its figures, "
        "where it ran, its price list, and the answers furthest from the other models'.</p>"
        + "".join(_card(c) for c in found)
        + "</section>"
    )


__all__ = ["detail", "findings", "lang_of", "model_cards", "overview", "section", "table"]
