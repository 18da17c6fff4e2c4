"""Checking a run's plan against a data policy: one verdict per endpoint, before any request.

A violation names the endpoint, the rule and the fact (with its source), so a reviewer can
see why, and a wrong fact can be fixed in the catalog rather than argued about.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.policy.model import ClassRule, Policy
from providers.base import Target
from providers.catalog import Governance


@dataclass(frozen=True, slots=True)
class Violation:
    endpoint: str
    rule: str
    fact: str

    def line(self, data_class: str) -> str:
        return f"{self.endpoint}: {data_class} data: {self.rule}; {self.fact}"


def _unknown(value: object, strict: bool) -> bool:
    return value == "unknown" and strict


def _facts(rule: ClassRule, g: Governance, key: str, strict: bool) -> list[tuple[str, str]]:
    """(rule, fact) pairs the endpoint's facts break."""
    broken: list[tuple[str, str]] = []
    if rule.jurisdictions is not None and (
        _unknown(g.jurisdiction, strict)
        or (g.jurisdiction != "unknown" and g.jurisdiction not in rule.jurisdictions)
    ):
        broken.append(
            (f"jurisdictions must be one of {', '.join(rule.jurisdictions)}", "jurisdiction")
        )
    if g.jurisdiction in rule.deny_jurisdictions:
        broken.append((f"jurisdiction {g.jurisdiction} is denied", "jurisdiction"))
    if rule.training is False and (g.training is True or _unknown(g.training, strict)):
        broken.append(("no training on API data by default", "training"))
    cap = rule.max_retention_days
    days = g.retention_days
    if cap is not None and (_unknown(days, strict) or (isinstance(days, int) and days > cap)):
        broken.append((f"retention at most {cap} days", "retention_days"))
    if (
        rule.zero_retention
        and g.zero_retention is not True
        and (g.zero_retention is False or strict)
    ):
        broken.append(("a zero-data-retention option", "zero_retention"))
    return broken


def check_targets(policy: Policy, data_class: str, targets: list[Target]) -> list[Violation]:
    """Every endpoint the run would reach that the policy forbids for the data class. Unknown
    facts fail for every class but public, and so does a class the policy has no rule for:
    a policy that forgot `confidential` must not wave confidential data through."""
    rule = policy.classes.get(data_class)  # type: ignore[call-overload]
    strict = data_class != "public"
    if rule is None:
        if not strict:
            return []
        return [
            Violation(
                "every endpoint",
                f"the policy has no rule for {data_class} data",
                f"add `{data_class}:` under `classes:` to say where it may go",
            )
        ]
    out: list[Violation] = []
    seen: set[str] = set()
    for t in targets:
        key = t.endpoint_key
        if key in seen:
            continue
        seen.add(key)
        g = t.vendor.governance_of(t.endpoint_id)
        if key in rule.deny_endpoints:
            out.append(Violation(key, "endpoint is denied", f"deny_endpoints lists {key}"))
            continue
        if rule.allow_endpoints is not None and key not in rule.allow_endpoints:
            out.append(Violation(key, "endpoint is not allowed", "allow_endpoints omits it"))
            continue
        out += [Violation(key, r, g.fact(f)) for r, f in _facts(rule, g, key, strict)]
    return out


__all__ = ["Violation", "check_targets"]
