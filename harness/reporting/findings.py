"""The findings a report opens with: short numbered statements, each resting on a test.

Every comparison behind the findings (the leaders in `contests.py`, the within-model gaps and
the moves since a baseline in `gaps.py`) is adjusted together with Holm's method, so the chance
that any claim in a report is a false positive is at most 5%. A statement claims a difference
only where its adjusted test is significant; otherwise it says there is no significant
difference. The wording reports what was measured and gives no advice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from harness.analysis.compare import Comparison, holm
from harness.reporting.contests import Contest, contests, number_items
from harness.reporting.gaps import Gaps, languages, mirrors, moved
from harness.suites.model import Sensitivity

MAX_GAPS = 3
"""At most this many gap findings per kind, largest first; the rest are in the tests table."""


@dataclass(frozen=True, slots=True)
class Finding:
    topic: str
    text: str
    """The statement, in one short sentence."""
    detail: str
    """Its interval and test."""
    evidence: str
    """Anchor of the chart or table that shows it."""
    claim: bool
    """True: states a significant difference; False: says there is none."""
    models: tuple[str, ...]
    tests: tuple[Comparison, ...]


@dataclass(slots=True)
class Findings:
    items: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What could not be measured, and how the tests are adjusted."""
    tests: list[tuple[str, str, Comparison]] = field(default_factory=list)
    """Every test behind the findings (topic, unit, comparison), adjusted: the appendix's."""


def fig(v: float, unit: str) -> str:
    if unit == "rate":
        return f"{v:.0%}"
    return f"{v:.3f} s" if unit == "s" else f"{v:.3g} USD"


def delta(v: float, unit: str) -> str:
    if unit == "rate":
        points = round(v * 100)
        return f"{points:+d} points" if points else "±0 points"
    return f"{v:+.3f} s" if unit == "s" else f"{v:+.3g} USD"


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def test_text(c: Comparison, unit: str) -> str:
    """The difference, its interval and the test, as every finding gives them."""
    return (
        f"{c.a} − {c.b}: {delta(c.diff, unit)} [{delta(c.low, unit)}, {delta(c.high, unit)}], "
        f"{c.method} on {c.n} shared items, Holm-adjusted {p_text(c.p_adj)}"
    )


def _contest(c: Contest) -> Finding:
    ax, unit = c.axis, c.axis.unit
    word, side = ("highest", "above") if c.highest else ("lowest", "below")
    lead = f"{c.leader} ({fig(c.values[c.leader], unit)})"
    sig = [t for t in c.tests if t.significant]
    rest = [t for t in c.tests if not t.significant]
    close = max(c.tests, key=lambda t: (t.p_adj, -abs(t.diff)))
    detail = f"Closest: {close.b} ({fig(c.values[close.b], unit)}); {test_text(close, unit)}."
    names = ", ".join(t.b for t in sig)
    if not sig:
        text = f"no significant difference between models ({word} figure: {lead})."
    elif not rest:
        others = "the other model" if len(sig) == 1 else f"all {len(sig)} other models"
        text = f"{lead}, significantly {side} {others}."
    else:
        text = (
            f"{word} figure {lead}: significantly {side} {names}; not significantly "
            f"{side} {', '.join(t.b for t in rest)}."
        )
    topic = ax.topic if sig and not rest else ax.metric[:1].upper() + ax.metric[1:]
    return Finding(topic, text, detail, ax.evidence, bool(sig), (c.leader,), tuple(c.tests))


def _gap_text(g: Gaps, t: Comparison) -> str:
    unit = g.axis.unit
    if g.axis.key.startswith("moved:"):
        return f"{t.a}: {fig(t.b_value, unit)} in the baseline, {fig(t.a_value, unit)} in this run."
    return (
        f"{t.a} did not answer {fig(t.a_value, unit)} of {g.sides[0]} and "
        f"{fig(t.b_value, unit)} of {g.sides[1]}."
    )


def _gaps(g: Gaps) -> list[Finding]:
    sig = sorted((t for t in g.tests if t.significant), key=lambda t: -abs(t.diff))
    ax = g.axis
    if not sig:
        widest = max(g.tests, key=lambda t: abs(t.diff))
        text = f"no significant difference for any of {len(g.tests)} models."
        detail = f"Widest: {test_text(widest, ax.unit)}."
        return [Finding(ax.topic, text, detail, ax.evidence, False, (), tuple(g.tests))]
    return [
        Finding(
            ax.topic,
            _gap_text(g, t),
            test_text(t, ax.unit) + ".",
            ax.evidence,
            True,
            (t.a,),
            (t,),
        )
        for t in sig[:MAX_GAPS]
    ]


def _adjust(cs: list[Contest], gs: list[Gaps]) -> list[tuple[str, str, Comparison]]:
    """Holm over every distinct test (a most/least pair on the same data is one test); each
    contest's and gap's tests get their adjusted p-values in place."""
    unique: dict[tuple[str, ...], tuple[str, str, Comparison]] = {}
    for c in cs:
        for t in c.tests:
            unique.setdefault((c.axis.key, *sorted((t.a, t.b))), (c.axis.metric, c.axis.unit, t))
    for g in gs:
        for t in g.tests:
            unique.setdefault((g.axis.key, t.a, t.b), (g.axis.topic, g.axis.unit, t))
    done = holm([t for *_, t in unique.values()])
    p = {k: d.p_adj for k, d in zip(unique, done, strict=True)}
    for c in cs:
        c.tests = [replace(t, p_adj=p[(c.axis.key, *sorted((t.a, t.b)))]) for t in c.tests]
    for g in gs:
        g.tests = [replace(t, p_adj=p[(g.axis.key, t.a, t.b)]) for t in g.tests]
    return [(topic, unit, d) for (topic, unit, _), d in zip(unique.values(), done, strict=True)]


def _notes(df: pd.DataFrame, tests: int) -> list[str]:
    notes = [
        f"Claims are significant at 5% after Holm's adjustment over all {tests} tests behind "
        "these findings (the chance that any claim is a false positive is at most 5%); 'no "
        "significant difference' means the test found none, not that the models are equal. "
        "Intervals are 95%, unadjusted."
    ]
    if not df["quality_pass"].notna().any():
        notes.append(
            "No quality measure (no quality grader decided an answer): no cheapest per correct "
            "answer, no highest quality."
        )
    elif not (df["quality_pass"].notna() & df["cost_usd"].notna()).any():
        notes.append(
            "No priced answer has a quality verdict: cost per correct answer not computed."
        )
    return notes


def derive(
    df: pd.DataFrame,
    sens: Sensitivity,
    base: pd.DataFrame | None = None,
    base_run: str = "",
) -> Findings:
    """Findings from annotated responses (`labels.annotate`), and against a baseline's."""
    cs = contests(number_items(df), sens)
    gs = [g for g in (mirrors(df, sens), languages(df, sens)) if g is not None]
    if base is not None:
        gs += moved(df, base, sens, base_run)
    tests = _adjust(cs, gs)
    items: list[Finding] = []
    quiet: set[str] = set()
    for c in cs:
        f = _contest(c)
        if not f.claim and c.axis.key in quiet:
            continue  # the most and the least on the same data: one "no difference" is enough
        quiet |= {c.axis.key} if not f.claim else set()
        items.append(f)
    for g in gs:
        items += _gaps(g)
    return Findings(items, _notes(df, len(tests)), tests)


__all__ = ["Finding", "Findings", "derive"]
