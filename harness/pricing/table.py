"""`bench prices`: the unit prices bench would charge, and where they come from."""

from __future__ import annotations

from datetime import UTC, datetime

from harness.pricing.fx import FxRate
from harness.pricing.quote import catalog_price, quote
from providers import load_catalog, resolve
from providers.base import Usage
from providers.catalog import Price


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:g}"


def _catalog_row(ref: str, p: Price) -> list[str]:
    tiers = "; ".join(f">{t.above}: {t.input:g}/{t.output:g}" for t in p.tiers) or "–"
    offpeak = f"{', '.join(p.offpeak.windows)} UTC ×{p.offpeak.factor:g}" if p.offpeak else "–"
    return [
        ref,
        p.currency,
        _fmt(p.input),
        _fmt(p.cached_input),
        _fmt(p.output),
        _fmt(p.reasoning),
        tiers,
        offpeak,
        p.source,
        p.checked,
    ]


def price_rows(refs: list[str]) -> list[list[str]]:
    if not refs:
        return [
            _catalog_row(f"{v.id}:{m}", p)
            for v in load_catalog().values()
            for m, p in v.prices.items()
        ]
    rows = []
    for ref in refs:
        target = resolve(ref, require_key=False)
        price = catalog_price(target.vendor, target.model)
        if price is not None:
            rows.append(_catalog_row(ref, price))
            continue
        q = quote(
            target.vendor,
            target.model,
            None,
            Usage(input_tokens=1_000_000, output_tokens=0),
            datetime.now(UTC),
            FxRate.from_env(),
        )
        if q is None:
            rows.append(
                [
                    ref,
                    "–",
                    "unpriced",
                    "–",
                    "–",
                    "–",
                    "–",
                    "–",
                    "add it to the catalog's prices:",
                    "–",
                ]
            )
        else:
            rows.append(
                [
                    ref,
                    q.currency,
                    _fmt(q.input),
                    _fmt(q.cached),
                    _fmt(q.output),
                    "–",
                    "–",
                    "–",
                    q.source,
                    q.checked or "–",
                ]
            )
    return rows


__all__ = ["price_rows"]
