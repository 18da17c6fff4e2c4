"""Where censorship lives: the same open weights on several hosts, read layer by layer.

A `--family` run sends the same items to the maker's API, third-party hosts and local servers.
Three layers can refuse, and each leaves its own pattern on the China-sensitive (focus) items:

- **API moderation** (the maker's endpoint): blocks there and not on other hosts of the
  same weights. Test: McNemar, first-party vs every other host, on blocked (api_block or
  withdrawn) answers to shared items.
- **The weights**: refusals, evasions and official-line answers on every host, self-hosted
  included. Test: per host, such answers to a focus item vs to its mirror (the same question
  about the US), McNemar on the pairs the weights answered both of.
- **A host's filter or quantisation**: hosts of the same weights that differ. Test:
  McNemar on not-answered, each host vs the reference (the self-hosted host that answers
  most, else the third-party host that does).

The p-values of one family's McNemar comparisons are Holm-adjusted together, so "present"
holds at 5% family-wise, not per comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import pandas as pd

from harness.analysis.labels import item_key
from harness.analysis.stats import ALPHA, Paired, Rate, holm, mcnemar, wilson
from harness.suites.model import Sensitivity

BLOCKED = ("api_block", "withdrawn")
IN_WORDS = ("refusal", "evasive", "narrative")
"""What the weights themselves say instead of an answer."""
FROM_WEIGHTS = ("complete", *IN_WORDS)
KIND_ORDER = {"first-party": 0, "host": 1, "self-hosted": 2}
LAYERS = {
    "api": "API moderation",
    "weights": "Weights",
    "host": "Host filters",
    "endpoints": "Maker's endpoints",
}


@dataclass(slots=True)
class HostRow:
    """One host's figures on the focus items."""

    model: str
    host: str
    kind: str
    n: int
    rates: dict[str, Rate]
    """api_block, withdrawn, refusal, evasive, narrative, not_answered, in_words (of the
    answers the weights gave), en and zh (not answered)."""
    coverage: float | None
    """Mean share of the documented facts given (items with reference facts)."""
    vs_first_party: Paired | None = None
    """Not answered, this host vs the first-party endpoint, on shared items."""
    zh_vs_en: Paired | None = None
    """Not answered, EN item vs its ZH translation."""
    weights: Paired | None = None
    """In-words answers, focus item vs its mirror, on pairs the weights answered."""
    label: str = ""
    """The host, with the endpoint when the family has two refs there (CN and international)."""


@dataclass(slots=True)
class FamilyReading:
    family: str
    rows: list[HostRow]
    verdicts: dict[str, str] = field(default_factory=dict)
    """api, weights, host (and endpoints): what the pattern says about each layer."""
    said: list[tuple[str, str, str]] = field(default_factory=list)
    """(layer, verdict, evidence), in reading order."""

    def say(self, layer: str, verdict: str, evidence: str) -> None:
        self.verdicts.setdefault(layer, verdict)
        self.said.append((layer, verdict, evidence))

    @property
    def lines(self) -> list[str]:
        """The plain reading, one sentence per layer."""
        return [f"{LAYERS[k]}: {v}; {e}." for k, v, e in self.said]


def _paired(a: pd.DataFrame, b: pd.DataFrame, flag: str) -> Paired | None:
    x, y = a.set_index(item_key(a))[flag], b.set_index(item_key(b))[flag]
    shared = x.index.intersection(y.index)
    return mcnemar(list(x[shared]), list(y[shared])) if len(shared) else None


def _lang_pairs(g: pd.DataFrame) -> Paired | None:
    en = g[g["pair_id"].notna() & (g["lang"] == "en")]
    items = g.set_index(item_key(g))["not_answered"]
    other = item_key(en, "pair_id")
    ok = other.isin(items.index).to_numpy()
    if not ok.sum():
        return None
    return mcnemar(list(en["not_answered"][ok]), list(items[other[ok]]))


def _vs_mirror(focus: pd.DataFrame, every: pd.DataFrame) -> Paired | None:
    """In-words answers, focus item vs its mirror (the same question about the other
    country), on pairs the weights answered both of: China-specific, not general caution."""
    left = focus[focus["mirror_id"].notna()]
    labels = every.set_index(item_key(every))["label"]
    other = item_key(left, "mirror_id")
    ok = other.isin(labels.index).to_numpy()
    a, b = left["label"][ok], labels[other[ok]]
    both = a.isin(FROM_WEIGHTS).to_numpy() & b.isin(FROM_WEIGHTS).to_numpy()
    if not both.sum():
        return None
    return mcnemar(list(a[both].isin(IN_WORDS)), list(b[both].isin(IN_WORDS)))


def _host_row(g: pd.DataFrame, every: pd.DataFrame) -> HostRow:
    label = g["label"]
    rates = {name: wilson(int((label == name).sum()), len(g)) for name in (*BLOCKED, *IN_WORDS)}
    rates["not_answered"] = wilson(int(g["not_answered"].sum()), len(g))
    reached = g[label.isin(FROM_WEIGHTS)]
    rates["in_words"] = wilson(int(reached["label"].isin(IN_WORDS).sum()), len(reached))
    for lang in ("en", "zh"):
        part = g[g["lang"] == lang]
        rates[lang] = wilson(int(part["not_answered"].sum()), len(part))
    cov = g["fact_coverage"].dropna()
    first = g.iloc[0]
    return HostRow(
        model=str(first["model"]),
        host=str(first["family_host"]),
        kind=str(first.get("family_kind") or ""),
        n=len(g),
        rates=rates,
        coverage=float(cov.astype(float).mean()) if len(cov) else None,
        zh_vs_en=_lang_pairs(g),
        weights=_vs_mirror(g, every),
    )


def readings(df: pd.DataFrame, sens: Sensitivity, kinds: dict[str, str]) -> list[FamilyReading]:
    """One reading per family in the runs; `kinds` maps a model ref to its host kind
    (first-party, host, self-hosted), in the family file's order (the manifests')."""
    order = {model: i for i, model in enumerate(kinds)}
    if "family" not in df or df["family"].isna().all() or not sens.focus:
        return []
    tagged = df[df["family"].notna()].assign(family_kind=lambda d: d["model"].map(kinds))
    out = []
    for family, fam in tagged.groupby("family", sort=True):
        focus = fam[fam["sensitivity"] == sens.focus]
        if not len(focus):
            continue
        rows = sorted(
            (
                _host_row(g, fam[fam["model"] == model])
                for model, g in focus.groupby("model", sort=False)
            ),
            key=lambda r: (KIND_ORDER.get(r.kind, len(KIND_ORDER)), order.get(r.model, 0)),
        )
        hosts = [r.host for r in rows]
        for r in rows:
            r.label = r.host if hosts.count(r.host) == 1 else f"{r.host} {r.model.split(':')[0]}"
        out.append(_read(str(family), rows, focus))
    return out


def _read(family: str, rows: list[HostRow], focus: pd.DataFrame) -> FamilyReading:
    by_model = {m: g.assign(blocked=g["label"].isin(BLOCKED)) for m, g in focus.groupby("model")}
    first = [r for r in rows if r.kind == "first-party"]
    others = [r for r in rows if r.kind != "first-party"]
    if first:
        for r in rows:
            if r is not first[0]:
                r.vs_first_party = _paired(
                    by_model[r.model], by_model[first[0].model], "not_answered"
                )
    api = [
        (f, o, _paired(by_model[f.model], by_model[o.model], "blocked"))
        for f in first
        for o in others
    ]
    ref = _reference(others)
    hosts = [(o, _paired(by_model[o.model], by_model[ref.model], "not_answered"))
             for o in others if ref is not None and o is not ref]  # fmt: skip
    adjusted = holm([t.p_value if t else 1.0 for t in [x[2] for x in api] + [x[1] for x in hosts]])
    api_p, host_p = adjusted[: len(api)], adjusted[len(api) :]
    reading = FamilyReading(family, rows)
    _api_verdict(reading, first, others, api, api_p)
    _weights_verdict(reading)
    _host_verdict(reading, ref, hosts, host_p)
    _endpoints(reading, first, by_model)
    return reading


def _more(t: Paired) -> bool:
    return t.a_rate > t.b_rate


def _reference(others: list[HostRow]) -> HostRow | None:
    """The host closest to the bare weights: the first self-hosted one in the family's file
    (else the first third-party host). Chosen by a fixed rule, not by its figures, so the
    comparisons against it are not biased toward finding a difference."""
    if len(others) < 2:
        return None
    return next((r for r in others if r.kind == "self-hosted"), others[0])


def _api_verdict(
    reading: FamilyReading,
    first: list[HostRow],
    others: list[HostRow],
    api: list[tuple[HostRow, HostRow, Paired | None]],
    adjusted: list[float],
) -> None:
    """API moderation: a first-party endpoint blocks more than every other host (Holm)."""
    if not first or not others:
        reading.say("api", "not measured", "the run needs the maker's API and another host")
        return
    ok = {f.model: True for f in first}
    for (f, _o, t), p in zip(api, adjusted, strict=True):
        ok[f.model] = ok[f.model] and t is not None and _more(t) and p < ALPHA
    blocks = max(f.rates["api_block"].value + f.rates["withdrawn"].value for f in first)
    elsewhere = max(o.rates["api_block"].value + o.rates["withdrawn"].value for o in others)
    if any(ok.values()):
        reading.say(
            "api",
            "present",
            f"the maker's API blocks or withdraws {blocks:.0%} of these prompts, other hosts of "
            f"the same weights at most {elsewhere:.0%} (McNemar, Holm-adjusted, p < 0.05): "
            "this layer goes away off the maker's API",
        )
    else:
        reading.say(
            "api",
            "absent",
            f"the maker's API blocks {blocks:.0%}, other hosts up to {elsewhere:.0%}; no "
            "significant difference",
        )


def _weights_verdict(reading: FamilyReading) -> None:
    """The weights: refusals/official line on China items above their US mirrors, on every
    host measured (each host's own test; all must hold, so no adjustment is needed)."""
    tested = [r for r in reading.rows if r.weights is not None]
    if not tested:
        reading.say("weights", "not measured", "the suite's items have no mirrors to compare")
        return
    hit = [r for r in tested if r.weights and r.weights.significant and _more(r.weights)]
    shares = ", ".join(f"{r.label} {r.rates['in_words'].value:.0%}" for r in tested)
    if len(hit) == len(tested):
        local = any(r.kind == "self-hosted" for r in tested)
        where = "including self-hosted" if local else "(no self-hosted host in this run)"
        reading.say(
            "weights",
            "present",
            f"refusals, evasions or the official line on every host {where} ({shares} of the "
            "answers the model gave; each above its US mirror items, McNemar p < 0.05): "
            "trained into the weights, there wherever they run",
        )
    elif not hit:
        reading.say(
            "weights",
            "absent",
            f"no host refuses these items more than their US mirrors ({shares})",
        )
    else:
        names = ", ".join(r.label for r in hit)
        reading.say(
            "weights",
            "partial",
            f"above the US mirrors only on {names} ({shares}): a host layer, not the weights",
        )


def _host_verdict(
    reading: FamilyReading,
    ref: HostRow | None,
    hosts: list[tuple[HostRow, Paired | None]],
    adjusted: list[float],
) -> None:
    """A host filter (or a quantised build): a host of the weights answers less than the
    reference host on the same items (Holm)."""
    if ref is None:
        reading.say("host", "not measured", "needs two hosts besides the maker's")
        return
    worse = [
        (o, t)
        for (o, t), p in zip(hosts, adjusted, strict=True)
        if t is not None and _more(t) and p < ALPHA
    ]
    if not worse:
        reading.say(
            "host",
            "absent",
            f"every host answers like {ref.label}, the reference (McNemar, Holm-adjusted)",
        )
        return
    said = "; ".join(
        f"{o.label} leaves {t.a_rate:.0%} unanswered vs {t.b_rate:.0%} on {ref.label} "
        f"({t.b} vs {t.c} discordant items)"
        for o, t in worse
    )
    reading.say(
        "host",
        "present",
        f"{said} (McNemar, Holm-adjusted, p < 0.05): the host's own filter or a different "
        "(e.g. quantised) build",
    )


def _endpoints(
    reading: FamilyReading, first: list[HostRow], by_model: dict[str, pd.DataFrame]
) -> None:
    """The maker's own endpoints against each other (e.g. CN vs international)."""
    for a, b in combinations(first, 2):
        t = _paired(by_model[a.model], by_model[b.model], "not_answered")
        if t is None:
            continue
        reading.say(
            "endpoints",
            "differ" if t.significant else "no significant difference",
            f"{a.model} {t.a_rate:.0%} vs {b.model} {t.b_rate:.0%} not answered "
            f"(McNemar p = {t.p_value:.3g})",
        )


__all__ = ["BLOCKED", "IN_WORDS", "LAYERS", "FamilyReading", "HostRow", "readings"]
