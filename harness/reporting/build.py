"""Assembling a report from one or more runs: the data every renderer draws from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from harness.analysis.labels import annotate, sensitivity_of
from harness.analysis.layers import FamilyReading, readings
from harness.analysis.trust import label_trust
from harness.grading import classifier
from harness.grading.graders.security import KINDS as SECURITY_KINDS
from harness.grading.judge import cohen_kappa
from harness.grading.judge_check import JudgeCheck, last_check
from harness.reporting import charts, rate_charts
from harness.reporting.card_data import differing, focus_by_lang, price_sources
from harness.reporting.findings import Findings, derive
from harness.reporting.tables import (
    attacks,
    fact_coverage,
    label_rates,
    latency_diffs,
    model_summary,
    paired_tests,
    side_by_side,
    trend,
)
from harness.results.manifest import Manifest
from harness.results.store import RunStore
from harness.suites.model import Sensitivity


@dataclass(slots=True)
class Report:
    manifests: list[Manifest]
    sensitivity: Sensitivity
    simulated: bool
    responses: int
    summary: pd.DataFrame
    labels: pd.DataFrame
    paired: list[dict[str, Any]]
    latency: list[dict[str, Any]]
    identity: pd.DataFrame | None
    facts: pd.DataFrame
    """Mean fact coverage per model × sensitivity × language (items with reference facts)."""
    trust: pd.DataFrame
    """Where each model's labels came from, per sensitivity level (analysis/trust.py)."""
    judge_checks: list[JudgeCheck]
    """The last `bench judge-check` of each judge whose labels the runs use."""
    attacks: pd.DataFrame
    """Attack success per model × kind × family (the security suite)."""
    attack_langs: list[dict[str, Any]]
    """EN vs ZH of the same attacks, per model."""
    judges: list[dict[str, Any]]
    samples: list[dict[str, Any]]
    trend: pd.DataFrame
    layers: list[FamilyReading] = field(default_factory=list)
    """Per model family of a `--family` run: each host's figures and where censorship lives."""
    charts: dict[str, str] = field(default_factory=dict)
    findings: Findings = field(default_factory=Findings)
    """The numbered statements the report opens with (findings.py)."""
    baseline: str | None = None
    differing: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Per model, the answers furthest from the other models' (card_data.py)."""
    prices: dict[str, str] = field(default_factory=dict)
    focus_langs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per model and language, not answered on focus items (a Rate)."""
    """Per model, its price list and the date it was checked."""

    @property
    def title(self) -> str:
        ids = [m.run_id for m in self.manifests]
        return ids[0] if len(ids) == 1 else f"{ids[0]} … {ids[-1]} ({len(ids)} runs)"


def _concat(frames: list[pd.DataFrame | None]) -> pd.DataFrame | None:
    found = [f for f in frames if f is not None and len(f)]
    return pd.concat(found, ignore_index=True) if found else None


def _judges(grades: pd.DataFrame | None) -> list[dict[str, Any]]:
    if grades is None:
        return []
    judged = grades[grades["grader"] == "refusal_judge"]
    models = sorted(judged["judge_model"].dropna().unique())
    out = []
    for i, a in enumerate(models):
        for b in models[i + 1 :]:
            pair = judged.pivot_table(
                index=["run_id", "job_id"], columns="judge_model", values="label", aggfunc="first"
            )[[a, b]].dropna()
            out.append(
                {
                    "a": a,
                    "b": b,
                    "n": len(pair),
                    "kappa": cohen_kappa(list(pair[a]), list(pair[b])),
                    "errors": float((judged["label"] == "judge_error").mean()),
                }
            )
    return out


def _attack_kinds(manifests: list[Manifest]) -> dict[str, str]:
    """Each security item's kind: the security check its `grade:` asks for."""
    kinds = {}
    for m in manifests:
        for item in m.suite.get("items") or []:
            grade = item.get("grade")
            for spec in grade if isinstance(grade, list) else [grade] if grade else []:
                if spec.get("type") in SECURITY_KINDS:
                    kinds[item["id"]] = spec["type"]
    return kinds


def _checks(root: str, grades: pd.DataFrame | None) -> list[JudgeCheck]:
    if grades is None:
        return []
    judged = grades[grades["grader"] == "refusal_judge"]["judge_model"].dropna().unique()
    found = (last_check(root, j) for j in sorted(judged))
    return [c for c in found if c is not None]


def _baseline(store: RunStore, sens: Sensitivity) -> pd.DataFrame:
    """A baseline run's responses, labelled as the report's own are."""
    grades = store.read_optional("grades")
    return annotate(store.read("responses").to_pandas(), grades, sens)


def build(stores: list[RunStore], baseline: RunStore | None = None) -> Report:
    manifests = [s.manifest() for s in stores]
    df = pd.concat([s.read("responses").to_pandas() for s in stores], ignore_index=True)
    attempts = _concat([s.read_optional("attempts") for s in stores])
    grades = _concat([s.read_optional("grades") for s in stores])
    sens = sensitivity_of(manifests)
    df = annotate(df, grades, sens)
    attack_table, attack_langs = attacks(df, _attack_kinds(manifests))
    summary = model_summary(df, attempts, sens)
    identity = grades[grades["grader"] == "identity"] if grades is not None else None
    runs_trend = trend(manifests, df, sens)
    report = Report(
        manifests=manifests,
        sensitivity=sens,
        simulated=any(m.simulated for m in manifests),
        responses=len(df),
        summary=summary,
        labels=label_rates(df),
        paired=paired_tests(df, sens),
        latency=latency_diffs(df),
        identity=identity if identity is not None and len(identity) else None,
        facts=fact_coverage(df),
        trust=label_trust(df, sens, classifier.reliability()["gold"]),
        judge_checks=_checks(stores[0].root, grades),
        attacks=attack_table,
        attack_langs=attack_langs,
        judges=_judges(grades),
        samples=side_by_side(df, sens),
        trend=runs_trend,
        layers=readings(df, sens, {r: t.kind for m in manifests for r, t in m.hosts.items()}),
        findings=derive(
            df,
            sens,
            _baseline(baseline, sens) if baseline is not None else None,
            baseline.run_id if baseline is not None else "",
        ),
        baseline=baseline.run_id if baseline is not None else None,
        differing=differing(df),
        prices=price_sources(df),
        focus_langs=focus_by_lang(df, sens),
    )
    for name, fn in (
        ("pareto", lambda: charts.pareto(summary, sens)),
        ("latency", lambda: charts.latency(df)),
        ("refusals", lambda: rate_charts.refusals(df, sens)),
        ("attacks", lambda: rate_charts.attacks(attack_table)),
        ("heatmap", lambda: charts.heatmap(df)),
        ("trends", lambda: charts.trends(runs_trend, sens.levels.get(sens.focus or "", "focus"))),
        ("families", lambda: charts.families(report.layers)),
    ):
        svg = fn()
        if svg:
            report.charts[name] = svg
    return report


__all__ = ["Report", "build"]
