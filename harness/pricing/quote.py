"""What an answer cost, from its reported usage and a price that says where it came from.

Prices come from the catalog (`prices:` per vendor: list prices in USD or CNY, whole-request
input-length tiers, off-peak windows, cached and reasoning token prices) and, for models the
catalog does not price, from the genai-prices library. A model priced by neither is
unpriced: its cost is null, never 0. CNY converts to USD at a rate stated in the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from importlib import metadata

from harness.pricing.fx import FxRate
from providers.base import Usage
from providers.catalog import Price, Vendor


@dataclass(frozen=True, slots=True)
class Quote:
    """A cost with the unit prices (per million tokens, original currency) it was charged at."""

    cost_usd: float
    cost_original: float
    currency: str
    input: float | None
    output: float | None
    cached: float | None
    source: str
    checked: str | None
    tier: str | None = None
    offpeak: bool = False


def catalog_price(vendor: Vendor, model: str, reported: str | None = None) -> Price | None:
    return vendor.prices.get(model) or (vendor.prices.get(reported) if reported else None)


def _in_window(at: datetime, window: str) -> bool:
    start, end = (int(h) * 60 + int(m) for h, m in (part.split(":") for part in window.split("-")))
    now = at.astimezone(UTC).hour * 60 + at.astimezone(UTC).minute
    return start <= now < end if start < end else (now >= start or now < end)


def unit_prices(
    price: Price, input_tokens: int, at: datetime
) -> tuple[float, float, float, float, str | None, bool]:
    """(input, output, cached, reasoning, tier, offpeak) for one request."""
    inp, out, cached, tier = price.input, price.output, price.cached_input, None
    for t in sorted(price.tiers, key=lambda t: t.above):
        if input_tokens > t.above:
            inp, out, tier = t.input, t.output, f">{t.above}"
            cached = t.cached_input if t.cached_input is not None else cached
    cached = inp if cached is None else cached
    reasoning = out if price.reasoning is None else price.reasoning
    offpeak = price.offpeak is not None and any(_in_window(at, w) for w in price.offpeak.windows)
    if offpeak:
        f = price.offpeak.factor  # type: ignore[union-attr]
        inp, out, cached, reasoning = inp * f, out * f, cached * f, reasoning * f
    return inp, out, cached, reasoning, tier, offpeak


def quote(
    vendor: Vendor, model: str, reported: str | None, usage: Usage, at: datetime, fx: FxRate
) -> Quote | None:
    """Inclusive convention: cached tokens are part of input, reasoning part of output."""
    if usage.input_tokens is None or usage.output_tokens is None:
        return None
    price = catalog_price(vendor, model, reported)
    if price is None:
        return _genai_quote(vendor, model, reported, usage, at)
    inp, out, cached_p, reasoning_p, tier, offpeak = unit_prices(price, usage.input_tokens, at)
    cached = usage.cached_tokens or 0
    reasoning = usage.reasoning_tokens or 0
    original = (
        (usage.input_tokens - cached) * inp
        + cached * cached_p
        + (usage.output_tokens - reasoning) * out
        + reasoning * reasoning_p
    ) / 1e6
    return Quote(
        fx.usd(original, price.currency),
        original,
        price.currency,
        inp,
        out,
        cached_p,
        price.source,
        price.checked,
        tier,
        offpeak,
    )


def _genai_quote(
    vendor: Vendor, model: str, reported: str | None, usage: Usage, at: datetime
) -> Quote | None:
    if not vendor.genai_prices_id:
        return None
    from genai_prices import Usage as GUsage
    from genai_prices import calc_price

    for ref in (model, reported):
        if not ref:
            continue
        try:
            calc = calc_price(
                GUsage(
                    input_tokens=usage.input_tokens,
                    output_tokens=usage.output_tokens,
                    cache_read_tokens=usage.cached_tokens or None,
                ),
                model_ref=ref,
                provider_id=vendor.genai_prices_id,
                genai_request_timestamp=at,
            )
        except LookupError:
            continue
        mp = calc.model_price
        total = float(calc.total_price)
        return Quote(
            total,
            total,
            "USD",
            _num(mp.input_mtok),
            _num(mp.output_mtok),
            _num(mp.cache_read_mtok),
            f"genai-prices {_genai_version()}",
            None,
        )
    return None


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, Decimal | int | float) else None


def _genai_version() -> str:
    try:
        return metadata.version("genai-prices")
    except metadata.PackageNotFoundError:
        return "?"


def worst_case_usd(
    vendor: Vendor, model: str, input_tokens: int, max_tokens: int, fx: FxRate
) -> float | None:
    """The most one request can cost: the highest tier its input could fall in, no discount,
    every output token at the dearer of output and reasoning prices."""
    price = catalog_price(vendor, model)
    if price is None:
        usage = Usage(input_tokens=input_tokens, output_tokens=max_tokens)
        q = _genai_quote(vendor, model, None, usage, datetime.now(UTC))
        return None if q is None else q.cost_usd
    inp, out, _, reasoning, _, _ = unit_prices(
        price.model_copy(update={"offpeak": None}), input_tokens, datetime.now(UTC)
    )
    return fx.usd((input_tokens * inp + max_tokens * max(out, reasoning)) / 1e6, price.currency)


__all__ = [
    "Quote",
    "catalog_price",
    "quote",
    "unit_prices",
    "worst_case_usd",
]
