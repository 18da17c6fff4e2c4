"""One card per model: its figures on every axis, where it ran, what it was priced from, and the
answers that set it apart, as display strings for every renderer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from harness.reporting.build import Report
from harness.reporting.views import _n, _r, _sources, _usd, per_correct


@dataclass(frozen=True, slots=True)
class Card:
    model: str
    anchor: str
    figures: list[tuple[str, str]]
    provenance: list[tuple[str, str]]
    answers: list[dict[str, Any]]


def _figures(rep: Report, r: Any) -> list[tuple[str, str]]:
    sens = rep.sensitivity
    out = [("quality", _r(r.quality))]
    out += [(f"not answered: {name}", _r(r.not_answered.get(t))) for t, name in sens.levels.items()]
    focus = sens.levels.get(sens.focus or "", "focus")
    out += [
        (f"not answered: {focus}, {lang.upper()}", _r(rate))
        for lang, rate in rep.focus_langs.get(r.model, {}).items()
    ]
    attacks = rep.attacks
    if not attacks.empty:
        mine = attacks[(attacks["model"] == r.model) & (attacks["kind"] == "all")]
        out += [("attack success", _r(mine["rate"].iloc[0]) if len(mine) else "–")]
    out += [
        ("TTFT p50 / p95", f"{_n(r.ttft_p50)} / {_n(r.ttft_p95)} s"),
        ("E2E p50 / p95", f"{_n(r.e2e_p50)} / {_n(r.e2e_p95)} s"),
        ("output tok/s p50", _n(r.tps_p50, 1)),
        ("errors", _r(r.errors)),
        ("USD / 1k requests", _usd(r.cost_per_1k)),
        ("USD / correct answer", per_correct(r)),
        ("labels from", _sources(rep, r.model)),
    ]
    return out


def _provenance(rep: Report, r: Any) -> list[tuple[str, str]]:
    ends = [e for m in rep.manifests for e in m.endpoints if e.ref == r.model]
    flows = [f for m in rep.manifests for f in m.data_flow if f.endpoint == r.endpoint]
    out = [("vendor (HQ)", f"{ends[0].name if ends else r.vendor} ({r.hq})")]
    out.append(("endpoint (region)", f"{r.endpoint} ({r.region})"))
    host = flows[0].host if flows else (urlsplit(ends[0].base_url).hostname if ends else None)
    place = f"{host or '–'}" + (f", jurisdiction {flows[0].jurisdiction}" if flows else "")
    sim = " (simulator)" if rep.simulated else ""
    out.append(("host", place + sim))
    out.append(("price", rep.prices.get(r.model, "unpriced")))
    return out


def cards(rep: Report) -> list[Card]:
    return [
        Card(
            r.model,
            "card-" + "".join(c if c.isalnum() else "-" for c in r.model.lower()),
            _figures(rep, r),
            _provenance(rep, r),
            rep.differing.get(r.model, []),
        )
        for r in rep.summary.itertuples()
    ]


__all__ = ["Card", "cards"]
