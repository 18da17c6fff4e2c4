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
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from harness.analysis.stats import mcnemar
from harness.errors import ConfigError, ResultsError
from harness.reporting.tables import annotate
from harness.results.store import RunStore, list_runs

Metric = Literal[
    "not_answered",
    "quality",
    "error_rate",
    "api_block_rate",
    "ttft_p95",
    "ttft_p50",
    "e2e_p95",
    "cost_per_1k",
]
RATES = {"not_answered", "quality", "error_rate", "api_block_rate"}


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    metric: Metric
    sensitivity: str | None = None
    """Only items with this sensitivity tag (cn_sensitive, us_sensitive, benign_control)."""
    max_increase: float | None = None
    """Fail when the rate rises by more than this (absolute, e.g. 0.05 = 5 points)."""
    max_decrease: float | None = None
    max_rel_increase: float | None = None
    """Fail when the value rises by more than this fraction (0.2 = 20%)."""
    max: float | None = None
    """Fail when the run's value is above this ceiling."""
    significant: bool = True
    """Rate rules fail only when the paired change is also significant at 5%."""


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[Rule]


DEFAULT_RULES = Path(__file__).with_name("rules.yaml")


def load_rules(path: str | None) -> list[Rule]:
    file = Path(path) if path else DEFAULT_RULES
    try:
        return Rules.model_validate(yaml.safe_load(file.read_text(encoding="utf-8"))).rules
    except FileNotFoundError:
        raise ConfigError(f"{file}: rules file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML ({type(exc).__name__}); fix the file") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(
            f"{file}: {where}: {err['msg']}; see harness/nightly/rules.yaml"
        ) from None


@dataclass(slots=True)
class Outcome:
    rule: str
    model: str
    passed: bool
    detail: str


@dataclass(slots=True)
class CheckResult:
    run: str
    baseline: str
    outcomes: list[Outcome] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]


def _frame(store: RunStore) -> pd.DataFrame:
    df = store.read("responses").to_pandas()
    grades = store.read_optional("grades")
    df = annotate(df, grades)
    if grades is not None:
        q = grades[grades["grader"] == "quality"][["job_id", "passed"]].rename(
            columns={"passed": "q_pass"}
        )
        df = df.merge(q, on="job_id", how="left")
    else:
        df["q_pass"] = None
    df["key"] = df["case_id"] + "#" + df["repeat"].astype(str)
    return df


def _flag(df: pd.DataFrame, metric: str) -> pd.Series:
    if metric == "not_answered":
        return df["not_answered"]
    if metric == "quality":
        return df["q_pass"]
    if metric == "error_rate":
        return df["outcome"] == "error"
    return df["outcome"] == "api_block"


def _value(df: pd.DataFrame, metric: str) -> float | None:
    if metric == "cost_per_1k":
        return float(df["cost_usd"].mean() * 1000) if df["cost_usd"].notna().any() else None
    col, q = {
        "ttft_p95": ("ttft_s", 0.95),
        "ttft_p50": ("ttft_s", 0.5),
        "e2e_p95": ("e2e_s", 0.95),
    }[metric]
    timed = df.loc[~df["cached"].fillna(False).astype(bool), col].dropna()
    return float(timed.quantile(q)) if len(timed) else None


def _rate_rule(rule: Rule, run: pd.DataFrame, base: pd.DataFrame) -> tuple[bool, str] | None:
    a = base.set_index("key")
    b = run.set_index("key")
    shared = a.index.intersection(b.index)
    fa, fb = _flag(a.loc[shared], rule.metric), _flag(b.loc[shared], rule.metric)
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
    now, before = (
        _value(run[run["key"].isin(shared)], rule.metric),
        _value(base[base["key"].isin(shared)], rule.metric),
    )
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
    canary = run[run["tags"].map(lambda t: "canary" in list(t) if t is not None else False)]
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
            m.get("suite_hash") == manifest.get("suite_hash")
            and m.get("status") == "finished"
            and str(m.get("created_at")) < str(manifest.get("created_at"))
        ):
            candidates.append((str(m.get("created_at")), other))
    if not candidates:
        raise ResultsError(
            f"no earlier finished run of the same suite to compare {run_id} with; "
            "name one with --baseline RUN_ID"
        )
    return max(candidates)[1]


def check(results: str | None, run_id: str, baseline: str, rules: list[Rule]) -> CheckResult:
    base_id = resolve_baseline(results, run_id, baseline)
    run, base = _frame(RunStore(results, run_id)), _frame(RunStore(results, base_id))
    result = CheckResult(run_id, base_id)
    for model in sorted(set(run["model"]) & set(base["model"])):
        r, b = run[run["model"] == model], base[base["model"] == model]
        result.drift += _drift(model, r, b)
        for rule in rules:
            if rule.sensitivity:
                rr, bb = (
                    r[r["sensitivity"] == rule.sensitivity],
                    b[b["sensitivity"] == rule.sensitivity],
                )
            else:
                rr, bb = r, b
            verdict = (_rate_rule if rule.metric in RATES else _value_rule)(rule, rr, bb)
            if verdict is not None:
                result.outcomes.append(Outcome(rule.name, model, *verdict))
    return result


def markdown(res: CheckResult) -> str:
    status = "REGRESSION" if res.failed else "pass"
    lines = [
        f"## bench check: {res.run} vs {res.baseline}: {status}",
        "",
        f"{len(res.outcomes)} checks, {len(res.failed)} failed.",
        "",
    ]
    lines += ["| rule | model | result | detail |", "|---|---|---|---|"]
    lines += [
        f"| {o.rule} | {o.model} | {'pass' if o.passed else '**FAIL**'} | {o.detail} |"
        for o in res.outcomes
    ]
    if res.drift:
        lines += ["", "### Drift", ""] + [f"- {d}" for d in res.drift]
    return "\n".join(lines) + "\n"


def junit(res: CheckResult) -> str:
    cases = []
    for o in res.outcomes:
        name = quoteattr(f"{o.rule} [{o.model}]")
        body = (
            ""
            if o.passed
            else f"<failure message={quoteattr(o.detail)}>{escape(o.detail)}</failure>"
        )
        cases.append(
            f'  <testcase classname="bench.check" name={name} time="0">{body}'
            f"<system-out>{escape(o.detail)}</system-out></testcase>"
        )
    drift = "".join(f"{escape(d)}\n" for d in res.drift)
    suite = (
        f"<testsuite name={quoteattr(f'bench check {res.run} vs {res.baseline}')} "
        f'tests="{len(res.outcomes)}" failures="{len(res.failed)}" errors="0" skipped="0">\n'
        + "\n".join(cases)
        + (f"\n  <system-out>{drift}</system-out>" if drift else "")
        + "\n</testsuite>"
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n{suite}\n</testsuites>\n'


__all__ = ["CheckResult", "Rule", "check", "junit", "load_rules", "markdown"]
