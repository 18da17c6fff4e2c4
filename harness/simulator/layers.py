"""The simulator's model families: the same open weights behind several hosts.

A request is known as a family member by its vendor, endpoint and model name (the families in
the catalog). Its answer is drawn layer by layer, as real deployments stack them: the maker's
API moderation (first-party endpoints only), then the host's own filter, then the weights,
whose draw is seeded by family and prompt alone, so every host shares it.
"""

from __future__ import annotations

import hashlib
import os
import random
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from providers.catalog import EXTRA_ENV, load_catalog, parse_ref
from providers.families import HostKind, host_kind, load_families

Mixes = dict[str, dict[str, float]]
"""Per topic, or per `topic:lang` (which wins), the share of each action."""


class Layers(BaseModel):
    """Where a family's censorship lives: what the open weights do wherever they run (one
    draw per prompt, shared by every host, as the same weights answer alike), the maker's own
    API moderation in front of them, and any host's own filter."""

    model_config = ConfigDict(extra="forbid")
    weights: Mixes = {}
    moderation: Mixes = {}
    """First-party endpoints only: the shares blocked before the weights answer."""
    filters: dict[str, Mixes] = {}
    """Per host name, as the family file names it: the shares its filter takes."""

    def actions(self) -> set[str]:
        mixes = [self.weights, self.moderation, *self.filters.values()]
        return {a for m in mixes for mix in m.values() for a in mix}


def mix_of(mixes: Mixes, topic: str | None, lang: str) -> dict[str, float]:
    return mixes.get(f"{topic}:{lang}") or mixes.get(str(topic)) or {}


Member = tuple[str, str, HostKind]
"""(family id, host name, host kind)."""


@lru_cache(maxsize=4)
def _members(extra: str) -> dict[tuple[str, str, str], Member]:
    catalog = load_catalog()
    found: dict[tuple[str, str, str], Member] = {}
    for family in load_families().values():
        for host, ref in family.refs():
            vendor_id, endpoint_id, model = parse_ref(ref)
            endpoint_id = endpoint_id or catalog[vendor_id].default_endpoint
            found[(vendor_id, endpoint_id, model)] = (
                family.id,
                host,
                host_kind(host, ref, catalog),
            )
    return found


def member(vendor_id: str, endpoint_id: str, model: str) -> Member | None:
    return _members(os.environ.get(EXTRA_ENV, "")).get((vendor_id, endpoint_id, model))


def _take(mixes: Mixes, topic: str | None, lang: str, rng: random.Random) -> str | None:
    """This layer's action, or None when the request passes through it."""
    u, total = rng.random(), 0.0
    for action, share in mix_of(mixes, topic, lang).items():
        total += share
        if u < total:
            return action
    return None


def layered_action(
    layers: Layers, who: Member, topic: str | None, lang: str, prompt: str, nth: int,
    rng: random.Random,
) -> str | None:  # fmt: skip
    """The action the stacked layers give; None: the weights have no word on this topic (the
    scenario's ordinary rules decide)."""
    family, host, kind = who
    if kind == "first-party":
        blocked = _take(layers.moderation, topic, lang, rng)
        if blocked is not None:
            return blocked
    filtered = _take(layers.filters.get(host, {}), topic, lang, rng)
    if filtered is not None:
        return filtered
    weights = mix_of(layers.weights, topic, lang)
    if not weights:
        return None
    seed = hashlib.sha256(f"{family}\x1f{prompt}\x1f{nth}".encode()).digest()
    return random.Random(seed).choices(list(weights), weights=list(weights.values()))[0]


__all__ = ["Layers", "Member", "Mixes", "layered_action", "member", "mix_of"]
