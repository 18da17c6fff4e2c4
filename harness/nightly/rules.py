"""The rules of `bench check`, as data: which metric, on which items, may move how far.

The metrics are `analysis/metrics.py`'s, by name, so a rule means exactly what the report
shows. The defaults are `rules.yaml` beside this file; `--rules FILE` replaces them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import ConfigError
from harness.files import FileProblem, load_yaml

MetricName = Literal[
    "not_answered",
    "quality",
    "error_rate",
    "api_block_rate",
    "attack_success",
    "ttft_p95",
    "ttft_p50",
    "e2e_p95",
    "e2e_p50",
    "cost_per_1k",
]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    metric: MetricName
    sensitivity: str | None = None
    """Only items carrying this tag (one of the suite's sensitivity levels, say)."""
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
        return Rules.model_validate(load_yaml(file)).rules
    except FileProblem as exc:
        raise ConfigError(str(exc)) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(
            f"{file}: {where}: {err['msg']}; see harness/nightly/rules.yaml"
        ) from None


__all__ = ["DEFAULT_RULES", "Rule", "load_rules"]
