"""Model references → targets, and the simulator that stands in for every vendor on request."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import replace

from harness.errors import ConfigError
from harness.execute.jobs import canonical_ref
from harness.results.manifest import HostTag
from providers import resolve
from providers.base import Target


@contextlib.contextmanager
def simulator_url(on: bool) -> Iterator[str | None]:
    """The URL of a simulator running for the duration, or None when not simulating."""
    if not on:
        yield None
        return
    from harness.simulator import Simulator  # (aiohttp only when simulating)

    with Simulator() as sim:
        yield sim.url


def resolve_targets(
    models: list[str],
    url: str | None,
    require_key: bool = True,
    hosts: Mapping[str, HostTag] | None = None,
) -> list[Target]:
    """Every model resolved (keys checked unless told not to), tagged with its family and host
    in a `--family` run; a model listed twice is an error."""
    targets = [resolve(m, simulator_url=url, require_key=require_key) for m in models]
    if hosts:
        targets = [
            replace(t, family=hosts[t.ref].family, family_host=hosts[t.ref].host)
            if t.ref in hosts
            else t
            for t in targets
        ]
    seen: dict[str, str] = {}
    for t in targets:
        key = canonical_ref(t)
        if key in seen:
            raise ConfigError(
                f"model {t.ref!r} is listed twice (also as {seen[key]!r}); list it once"
            )
        seen[key] = t.ref
    return targets


__all__ = ["resolve_targets", "simulator_url"]
