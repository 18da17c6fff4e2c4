"""`bench check RUN --baseline RUN|latest`: did anything change, and does it matter?

Rules (YAML) compare a run with a baseline on the items they share, per model. A rate may be
required to rise (or fall) both by more than a margin *and* significantly (McNemar on the
shared items), so noise does not fail a nightly job; latency and cost rules compare relative
changes; ceilings cap a rate outright. Drift — a different model id reported back, a new
system_fingerprint, a canary item answered differently — is reported even when no rule fails.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from harness.analysis.labels import annotate, sensitivity_of
from harness.analysis.metrics import METRICS
from harness.analysis.stats import mcnemar
from harness.errors import ResultsError
from harness.nightly.rules import Rule
from harness.results.store import RunStore, list_runs

CANARY_TAG = "canary"
"""Items with this tag are expected to be answered the same way every night."""


@dataclass(slots=True)
class RuleResult:
    rule: str
    model: str
    passed: bool
    detail: str


@dataclass(slots=True)
class CheckReport:
    run: str
    baseline: str
    results: list[RuleResult] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[RuleResult]:
        return [o for o in self.results if not o.passed]


def _frame(store: RunStore) -> pd.DataFrame:
    """A run's responses, annotated as the report annotates them, keyed by item and repeat."""
    df = store.read("responses").to_pandas()
    df = annotate(df, store.read_optional("grades"), sensitivity_of([store.manifest()]))
    df["key"] = df["case_id"] + "#" + df["repeat"].astype(str)
    return df


def _rate_rule(rule: Rule, run: pd.DataFrame, base: pd.DataFrame) -> tuple[bool, str] | None:
    a = base.set_index("key")
    b = run.set_index("key")
    shared = a.index.intersection(b.index)
    flag = METRICS[rule.metric].flag
    assert flag is not None
    fa, fb = flag(a.loc[shared]), flag(b.loc[shared])
    ok = fa.notna() & fb.notna()
    fa, fb = fa[ok].astype(bool), fb[ok].astype(bool)
    if not len(fa):
        return None
    t = mcnemar(list(fa), list(fb))
    change = t.b_rate - t.a_rate
    sig = t.significant or not rule.significant
    detail = f"{t.a_rate:.1%} → {t.b_rate:.1%} on {t.n} shared items (p={t.p_value:.3g})"
    if rule.max is not None and t.b_rate > rule.max:
        return False, f"{detail}; above the ceiling {rule.max:.1%}"
    if rule.max_increase is not None and change > rule.max_increase and sig:
        return False, f"{detail}; rose more than {rule.max_increase:.1%}" + (
            " and significantly" if rule.significant else ""
        )
    if rule.max_decrease is not None and -change > rule.max_decrease and sig:
        return False, f"{detail}; fell more than {rule.max_decrease:.1%}" + (
            " and significantly" if rule.significant else ""
        )
    return True, detail


def _value_rule(rule: Rule, run: pd.DataFrame, base: pd.DataFrame) -> tuple[bool, str] | None:
    shared = set(run["key"]) & set(base["key"])
    metric = METRICS[rule.metric]
    now = metric.value(run[run["key"].isin(shared)])
    before = metric.value(base[base["key"].isin(shared)])
    if now is None or before is None:
        return None
    detail = f"{before:.4g} → {now:.4g}"
    if rule.max is not None and now > rule.max:
        return False, f"{detail}; above the ceiling {rule.max:g}"
    if (
        rule.max_rel_increase is not None
        and before > 0
        and (now - before) / before > rule.max_rel_increase
    ):
        return (
            False,
            f"{detail}; rose {(now - before) / before:.0%}, more than {rule.max_rel_increase:.0%}",
        )
    return True, detail


def _drift(model: str, run: pd.DataFrame, base: pd.DataFrame) -> list[str]:
    out = []
    for col, what in (
        ("model_reported", "model id reported back"),
        ("system_fingerprint", "system_fingerprint"),
    ):
        before, now = set(base[col].dropna()), set(run[col].dropna())
        if before and now and before != now:
            out.append(
                f"{model}: {what} changed: {', '.join(sorted(before))} → {', '.join(sorted(now))}"
            )
    canary = run[run["tags"].map(lambda t: CANARY_TAG in list(t) if t is not None else False)]
    if len(canary):
        digest = lambda s: hashlib.sha256((s or "").encode()).hexdigest()  # noqa: E731
        old = base.set_index("key")["text"].map(digest)
        for r in canary.itertuples():
            if r.key in old.index and old[r.key] != digest(r.text):
                out.append(f"{model}: canary {r.case_id} (repeat {r.repeat}) answered differently")
    return out


def resolve_baseline(results: str | None, run_id: str, baseline: str) -> str:
    if baseline != "latest":
        return baseline
    manifest = RunStore(results, run_id).manifest()
    candidates = []
    for other in list_runs(results or RunStore(results, run_id).root):
        if other == run_id:
            continue
        m = RunStore(results, other).manifest()
        if (
            m.suite_hash == manifest.suite_hash
            and m.status == "finished"
            and m.created_at < manifest.created_at
        ):
            candidates.append((m.created_at, other))
    if not candidates:
        raise ResultsError(
            f"no earlier finished run of the same suite to compare {run_id} with; "
            "name one with --baseline RUN_ID"
        )
    return max(candidates)[1]


def _tagged(df: pd.DataFrame, tag: str | None) -> pd.DataFrame:
    if tag is None:
        return df
    return df[df["tags"].map(lambda t: t is not None and tag in list(t))]


def check_run(results: str | None, run_id: str, baseline: str, rules: list[Rule]) -> CheckReport:
    base_id = resolve_baseline(results, run_id, baseline)
    run, base = _frame(RunStore(results, run_id)), _frame(RunStore(results, base_id))
    report = CheckReport(run_id, base_id)
    for model in sorted(set(run["model"]) & set(base["model"])):
        r, b = run[run["model"] == model], base[base["model"] == model]
        report.drift += _drift(model, r, b)
        for rule in rules:
            rr, bb = _tagged(r, rule.sensitivity), _tagged(b, rule.sensitivity)
            judge = _rate_rule if METRICS[rule.metric].is_rate else _value_rule
            verdict = judge(rule, rr, bb)
            if verdict is not None:
                report.results.append(RuleResult(rule.name, model, *verdict))
    return report


__all__ = ["CANARY_TAG", "CheckReport", "RuleResult", "check_run", "resolve_baseline"]
