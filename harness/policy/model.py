"""A data policy: per data class, the endpoints its prompts may reach.

```yaml
classes:
  confidential: {jurisdictions: [US, EU, UK, SG], training: false, max_retention_days: 30}
  internal: {deny_endpoints: ["openrouter@global"]}
```

Each rule is checked against the endpoint's governance facts in the catalog. For every class
but `public`, a fact the rule needs that nobody could confirm (`unknown`) fails the check:
not knowing where confidential data goes is a reason not to send it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import ConfigError
from harness.files import FileProblem, parse_yaml, read_text
from harness.suites.lines import line_map, problems_of
from harness.suites.model import DataClass


class ClassRule(BaseModel):
    """What endpoints one data class may reach; every given field must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    jurisdictions: list[str] | None = None
    """Allowed jurisdictions (ISO codes, EU, self)."""
    deny_jurisdictions: list[str] = []
    training: bool | None = None
    """false: the endpoint must not train on API data by default."""
    max_retention_days: int | None = Field(None, ge=0)
    zero_retention: bool | None = None
    """true: a zero-data-retention option must exist."""
    allow_endpoints: list[str] | None = None
    """Only these `vendor@endpoint`s (checked before any fact)."""
    deny_endpoints: list[str] = []


class PolicyFile(BaseModel):
    """What a policy file holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    classes: dict[DataClass, ClassRule] = {}


class Policy(BaseModel):
    """A policy file as read, with where it came from (for the manifest's data-flow ledger)."""

    model_config = ConfigDict(frozen=True)

    classes: dict[DataClass, ClassRule]
    source: str
    sha256: str


def load_policy(path: str) -> Policy:
    """A policy file, or a one-line ConfigError naming the file, line and fix."""
    try:
        text = read_text(Path(path))
        node, data = parse_yaml(text, path)
    except FileProblem as exc:
        raise ConfigError(str(exc)) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping with `classes:`; see README (Governance)")
    try:
        parsed = PolicyFile.model_validate(data)
    except ValidationError as exc:
        lines = line_map(node) if node is not None else {}
        raise ConfigError(problems_of(exc, PolicyFile, path, lines)[0]) from None
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Policy(classes=parsed.classes, source=path, sha256=digest)


__all__ = ["ClassRule", "Policy", "PolicyFile", "load_policy"]
