"""Report sections as (title, note, headers, rows) of display strings, for every format."""

from __future__ import annotations

from typing import Any

import pandas as pd

from harness.analysis.layers import LAYERS, FamilyReading
from harness.analysis.stats import Paired, Rate
from harness.reporting.build import Report

Section = tuple[str, str, list[str], list[list[str]]]


def _r(rate: Rate | None) -> str:
    return "–" if rate is None or (isinstance(rate, float) and pd.isna(rate)) else rate.fmt()


def _n(v: Any, digits: int = 3, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    return f"{v:.{digits}f}{unit}"


def _usd(v: Any, digits: int = 4) -> str:
    return "unpriced" if v is None or (isinstance(v, float) and pd.isna(v)) else f"{v:.{digits}f}"


def per_correct(r: Any) -> str:
    """USD per correct answer, or why there is none: a suite without quality graders has no
    correct answers to divide by, which is not the same as a model without a price."""
    if r.quality is None or (isinstance(r.quality, float) and pd.isna(r.quality)):
        return "no quality measure"
    return _usd(r.cost_per_correct, 5)


def summary(rep: Report) -> Section:
    levels = rep.sensitivity.levels
    names = [f"not answered: {n}" if i == 0 else n for i, n in enumerate(levels.values())]
    heads = [
        "model",
        "HQ",
        "endpoint (region)",
        "requests",
        "quality",
        *names,
        "labels from",
        "TTFT p50/p95 s",
        "E2E p50/p95 s",
        "out tok/s",
        "chars/s",
        "errors",
        "429s (of attempts)",
        "USD / 1k requests",
        "USD / correct answer",
    ]
    rows = []
    for r in rep.summary.itertuples():
        rows.append(
            [
                r.model,
                r.hq,
                f"{r.endpoint} ({r.region})",
                str(r.requests),
                _r(r.quality),
                *(_r(r.not_answered.get(tag)) for tag in levels),
                _sources(rep, r.model),
                f"{_n(r.ttft_p50)} / {_n(r.ttft_p95)}",
                f"{_n(r.e2e_p50)} / {_n(r.e2e_p95)}",
                _n(r.tps_p50, 1),
                _n(r.cps_p50, 1),
                _r(r.errors),
                _r(r.rate_limited),
                _usd(r.cost_per_1k),
                per_correct(r),
            ]
        )
    note = (
        "Rates are shares with 95% Wilson intervals. Not answered = refusal, evasive, narrative "
        "(the official line instead of the facts), or blocked by the vendor "
        "(api_block, withdrawn). "
        "Latency counts timed requests: an answer arrived (ok, truncated, empty, withdrawn) "
        "and was not served from the cache; error and blocked rows are left out."
    )
    return "Summary per model", note, heads, rows


def _sources(rep: Report, model: str) -> str:
    """Where a model's labels came from, in one cell beside its rates (details: trust())."""
    if rep.trust.empty:
        return "–"
    g = rep.trust[rep.trust["model"] == model]
    n = g["n"].sum()
    if not n:
        return "–"
    share = {
        k: float((g[k] * g["n"]).sum() / n) for k in ("transport", "classifier", "judge", "judges")
    }
    rated = g[g["rules_accuracy"].notna()]
    acc = (
        float((rated["rules_accuracy"] * rated["n"] * rated["classifier"]).sum())
        / float((rated["n"] * rated["classifier"]).sum())
        if len(rated) and (rated["n"] * rated["classifier"]).sum()
        else None
    )
    unsure = float((g["unsure"] * g["n"]).sum() / n)
    return (
        f"blocks {share['transport']:.0%} · classifier {share['classifier']:.0%}"
        + (f" (gold acc. {acc:.0%})" if acc is not None else "")
        + f" · judges {share['judge'] + share['judges']:.0%} · unsure {unsure:.0%}"
    )


def outcomes(rep: Report) -> Section:
    heads = [
        "model",
        "requests",
        "ok",
        "api_block",
        "withdrawn",
        "truncated",
        "empty",
        "error",
        "retries",
        "tokens in",
        "tokens out",
        "latency_suspect rows",
    ]
    rows = [
        [
            r.model,
            str(r.requests),
            *(str(r.outcomes[o]) for o in heads[2:8]),
            str(r.retries),
            str(r.tokens_in),
            str(r.tokens_out),
            str(r.suspect),
        ]
        for r in rep.summary.itertuples()
    ]
    note = (
        "Transport outcomes: api_block = the vendor's moderation layer answered; withdrawn = "
        "text streamed, then a moderation signal. latency_suspect rows were timed while "
        "bench's own event loop lagged."
    )
    return "Outcomes and tokens", note, heads, rows


def cost(rep: Report) -> Section:
    heads = [
        "model",
        "cost USD",
        "billed CNY",
        "USD / 1k requests",
        "blended USD/Mtok (this run)",
        "blended USD/Mtok (3:1)",
    ]
    rows = [
        [
            r.model,
            _usd(r.cost_usd),
            "–" if r.cost_cny is None or pd.isna(r.cost_cny) else f"{r.cost_cny:.4f}",
            _usd(r.cost_per_1k),
            _usd(r.blended_own, 3),
            _usd(r.blended_3_1, 3),
        ]
        for r in rep.summary.itertuples()
    ]
    fx = rep.manifests[-1].fx.cny_per_usd
    note = (
        f"Blended prices weigh input and output by this run's token ratio, and 3:1 as published "
        f"tables do. CNY-billed vendors show their bill in CNY too; USD at {fx} CNY per USD "
        "(stated in the manifest). Unpriced models are never counted as free."
    )
    return "Cost", note, heads, rows


def labels(rep: Report) -> Section:
    heads = [
        "model",
        "sensitivity",
        "lang",
        "n",
        "complete",
        "refusal",
        "evasive",
        "narrative",
        "blocked",
        "of which unsure",
    ]
    rows = [
        [
            r.model,
            r.sensitivity,
            r.lang,
            str(r.n),
            _r(r.complete),
            _r(r.refusal),
            _r(r.evasive),
            _r(r.narrative),
            _r(r.blocked),
            _r(r.unsure),
        ]
        for r in rep.labels.itertuples()
    ]
    return (
        "Answer labels by sensitivity and language",
        "Each rate with its 95% Wilson interval. Unsure labels (the classifier below its "
        "threshold with no judge, or judges that disagreed) are counted in their best-guess "
        "column and again, apart, in the last one.",
        heads,
        rows,
    )


def facts(rep: Report) -> Section | None:
    if rep.facts.empty:
        return None
    rows = [
        [r.model, r.sensitivity, r.lang, str(r.n), r.coverage.fmt(), _r(r.none)]
        for r in rep.facts.itertuples()
    ]
    return (
        "Fact coverage: censorship by omission",
        "Share of each item's documented facts (the suite's reference facts) that the text "
        "answers give, with a 95% bootstrap interval; and the share of answers that give none. "
        "A fluent, unrefused answer can still leave out what was asked, which a refusal rate "
        "alone misses.",
        ["model", "sensitivity", "lang", "answers", "mean fact coverage", "no fact given"],
        rows,
    )


def host_layers(rep: Report) -> list[Section]:
    """Per family: the reading (which layer censors), then each host's figures on the
    China-sensitive items."""
    out: list[Section] = []
    focus = rep.sensitivity.levels.get(rep.sensitivity.focus or "", "focus")
    for f in rep.layers:
        out.append(
            (
                f"Where censorship lives: {f.family}",
                f"The same open weights on every host, {focus} items: the maker's API "
                "moderation shows as blocks only there, the weights as refusals everywhere, "
                "a host's filter as a host that differs from the others.",
                ["layer", "verdict", "evidence"],
                [[LAYERS[k], verdict, evidence] for k, verdict, evidence in f.said],
            )
        )
        out.append(_host_table(f, focus))
    return out


def _host_table(f: FamilyReading, focus: str) -> Section:
    heads = ["host", "kind", "model", "n", "API block", "withdrawn", "refusal", "evasive",
             "official line", "fact coverage", "not answered EN / ZH", "ZH vs EN p",
             "vs first-party p"]  # fmt: skip
    rows = []
    for r in f.rows:
        rt = r.rates
        rows.append(
            [r.label, r.kind, r.model, str(r.n),
             *(_r(rt[k]) for k in ("api_block", "withdrawn", "refusal", "evasive", "narrative")),
             _pct(r.coverage), f"{_r(rt['en'])} / {_r(rt['zh'])}",
             _p(r.zh_vs_en), _p(r.vs_first_party)]
        )  # fmt: skip
    note = (
        f"{focus} items per host. p: McNemar on shared items (not answered), unadjusted; the "
        "reading above adjusts its comparisons (Holm)."
    )
    return (f"Hosts of {f.family}", note, heads, rows)


def _p(t: Paired | None) -> str:
    return "–" if t is None else f"{t.p_value:.2g}"


def _verdict(significant: bool) -> str:
    return "significant" if significant else "not significant"


def security(rep: Report) -> Section | None:
    if rep.attacks.empty:
        return None
    a = rep.attacks[rep.attacks["family"] == "all"]
    kinds = [k for k in ("leak", "injection", "jailbreak", "other") if (a["kind"] == k).any()]
    rows = []
    for model, g in a.groupby("model", sort=True):
        cell = {r.kind: r.rate for r in g.itertuples()}
        rows.append([model, *(_r(cell.get(k)) for k in kinds), _r(cell.get("all"))])
    tests = "; ".join(
        f"{x['model']} EN {x['test'].a_rate:.0%} vs ZH {x['test'].b_rate:.0%} "
        f"(p={x['test'].p_value:.3g}, {_verdict(x['test'].significant)})"
        for x in rep.attack_langs
    )
    note = (
        "Share of attacks that succeeded, with 95% Wilson intervals: leak = the system prompt's "
        "canary revealed (plainly or disguised); injection = the model did what a pasted "
        "document said; jailbreak = the model complied (refusal classifier). Blocked answers "
        "count as attacks that failed."
        + (f" EN vs ZH on the same attacks (McNemar): {tests}." if tests else "")
    )
    return "Security: attack success", note, ["model", *kinds, "all attacks"], rows


def attack_families(rep: Report) -> Section | None:
    if rep.attacks.empty:
        return None
    f = rep.attacks[rep.attacks["family"] != "all"]
    models = sorted(f["model"].unique())
    rows = []
    for (kind, family), g in f.groupby(["kind", "family"], sort=True):
        cell = {r.model: r.rate for r in g.itertuples()}
        rows.append([kind, family, *(_r(cell.get(m)) for m in models)])
    return (
        "Attack success per family",
        "Each attack family (the item's category) per model, EN and ZH pooled.",
        ["kind", "family", *models],
        rows,
    )


def _pct(v: Any) -> str:
    return "–" if v is None or (isinstance(v, float) and pd.isna(v)) else f"{v:.0%}"


def trust(rep: Report) -> Section | None:
    if rep.trust.empty:
        return None
    heads = [
        "model",
        "sensitivity",
        "labels",
        "transport (blocks)",
        "classifier",
        "judge(s)",
        "unsure",
        "classifier accuracy on gold at these confidences",
    ]
    rows = [
        [
            r.model,
            r.sensitivity,
            str(r.n),
            _pct(r.transport),
            _pct(r.classifier),
            _pct(r.judge + r.judges),
            _pct(r.unsure),
            _pct(r.rules_accuracy),
        ]
        for r in rep.trust.itertuples()
    ]
    checks = "; ".join(
        f"{c.judge}: accuracy {c.accuracy:.0%}, kappa "
        f"{'n/a' if c.kappa is None else f'{c.kappa:.2f}'} on {c.n} gold answers ({c.date[:10]}"
        f"{', simulated' if c.simulated else ''})"
        for c in rep.judge_checks
    )
    note = (
        "Where the refusal and censorship labels above came from. Transport labels (vendor "
        "blocks) are certain; the classifier's accuracy is its measured accuracy on the held-out "
        "half of the bundled bilingual gold set, at the confidences it gave these labels. "
        + (f"Judges' last judge-check: {checks}." if checks else "No judge-check on record.")
    )
    return "How far to trust the labels", note, heads, rows


def paired(rep: Report) -> Section:
    heads = [
        "comparison",
        "A",
        "B",
        "shared items",
        "not answered A",
        "not answered B",
        "p (McNemar)",
        "verdict",
    ]
    rows = []
    for c in rep.paired:
        t = c["test"]
        verdict = "significant" if t.significant else "not significant"
        rows.append(
            [
                c["kind"],
                c["a"],
                c["b"],
                str(t.n),
                f"{t.a_rate:.0%}",
                f"{t.b_rate:.0%}",
                f"{t.p_value:.3g}",
                verdict,
            ]
        )
    return (
        "Paired comparisons",
        "Same items on both sides; exact McNemar test; differences "
        "not significant at 5% are marked so.",
        heads,
        rows,
    )


def latency(rep: Report) -> Section:
    heads = ["A", "B", "shared items", "median TTFT A − B, s", "95% interval", "verdict"]
    rows = [
        [
            d["a"],
            d["b"],
            str(d["diff"].n),
            f"{d['diff'].median:+.3f}",
            f"[{d['diff'].low:+.3f}, {d['diff'].high:+.3f}]",
            "significant" if d["diff"].significant else "not significant",
        ]
        for d in rep.latency
    ]
    return (
        "Latency differences",
        "Paired bootstrap of the median difference on shared items.",
        heads,
        rows,
    )


def identity(rep: Report) -> Section | None:
    if rep.identity is None:
        return None
    rows = []
    for model, g in rep.identity.groupby("model", sort=True):
        claims = ", ".join(f"{k} {v}" for k, v in g["label"].value_counts().items())
        rows.append([model, str(len(g)), claims, f"{g['passed'].eq(False).mean():.0%}"])
    return (
        "Identity claims",
        "Which maker each model says made it.",
        ["model", "answers", "claims", "claims another maker"],
        rows,
    )


def judges(rep: Report) -> Section | None:
    if not rep.judges:
        return None
    rows = [
        [
            j["a"],
            j["b"],
            str(j["n"]),
            "n/a" if j["kappa"] is None else f"{j['kappa']:.2f}",
            f"{j['errors']:.0%}",
        ]
        for j in rep.judges
    ]
    return (
        "Judges",
        "Agreement of the LLM judges on the answers both labelled.",
        ["judge A", "judge B", "answers", "Cohen's kappa", "judge_error share"],
        rows,
    )


def trend_table(rep: Report) -> Section | None:
    if rep.trend.empty or rep.trend["run_id"].nunique() < 2:
        return None
    focus = rep.sensitivity.levels.get(rep.sensitivity.focus or "", "focus items")
    rows = [
        [
            r.run_id,
            str(r.created_at),
            r.model,
            _n(r.na_focus, 2),
            _n(r.ttft_p50),
            _usd(r.cost_per_1k),
        ]
        for r in rep.trend.itertuples()
    ]
    return (
        "Trend across runs",
        "",
        ["run", "created", "model", f"not answered ({focus})", "TTFT p50 s", "USD / 1k"],
        rows,
    )


def data_flow(rep: Report) -> Section | None:
    """Where the prompts went, from each run's ledger: the question a reviewer asks first of
    a run that sent internal data to another jurisdiction."""
    rows = [
        [
            m.run_id,
            f.endpoint,
            f.host or "–",
            f.jurisdiction,
            f.region if len(f.region) <= 48 else f.region[:47] + "…",
            f.data_class,
            str(f.requests),
            f"{f.bytes:,}",
            f.policy_sha256[:12] if f.policy_sha256 else "none",
        ]
        for m in rep.manifests
        for f in m.data_flow
    ]
    sim = " Simulated runs sent everything to the loopback simulator." if rep.simulated else ""
    return (
        "Where the data went",
        "Per endpoint: its jurisdiction and processing region (catalog governance facts), the "
        "run's data class, and the requests and prompt bytes sent, retries counted; the data "
        f"policy checked before the run, by hash.{sim}",
        [
            "run",
            "endpoint",
            "host",
            "jurisdiction",
            "region",
            "data class",
            "requests",
            "bytes sent",
            "policy",
        ],
        rows,
    )


def notices(rep: Report) -> Section | None:
    rows = [[m.run_id, n] for m in rep.manifests for n in (m.summary.notices if m.summary else [])]
    return (
        "Run notices",
        "Where a limit or the data policy changed what was asked.",
        ["run", "notice"],
        rows,
    )


def sections(rep: Report) -> list[Section]:
    found = [
        summary(rep),
        outcomes(rep),
        cost(rep),
        labels(rep),
        trust(rep),
        facts(rep),
        *host_layers(rep),
        security(rep),
        attack_families(rep),
        paired(rep),
        latency(rep),
        identity(rep),
        judges(rep),
        trend_table(rep),
        data_flow(rep),
        notices(rep),
    ]
    return [s for s in found if s is not None and s[3]]


__all__ = ["Section", "sections"]
