"""Data policies: parsed with file:line errors, checked against the catalog's governance facts,
unknown facts failing closed for every class but public."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.policy.check import check_targets
from harness.policy.model import load_policy
from providers import load_catalog, resolve

POLICY = """\
classes:
  confidential: {jurisdictions: [US, EU, UK, SG], training: false, max_retention_days: 30}
  internal: {deny_endpoints: ["openrouter@global"]}
  public: {jurisdictions: [US, EU, UK, SG, CN]}
"""


def _policy(tmp_path: Path, text: str = POLICY):  # type: ignore[no-untyped-def]
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return load_policy(str(path))


def _targets(*refs: str):  # type: ignore[no-untyped-def]
    return [resolve(r, simulator_url="http://sim.invalid") for r in refs]


def test_confidential_data_stays_out_of_cn_jurisdiction(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    bad = check_targets(policy, "confidential", _targets("deepseek:deepseek-chat"))
    assert bad and bad[0].endpoint == "deepseek@global"
    assert "jurisdictions must be one of US, EU, UK, SG" in bad[0].rule
    assert bad[0].fact.startswith("jurisdiction CN (per http")  # the fact, with its source
    assert not check_targets(policy, "public", _targets("deepseek:deepseek-chat"))
    assert not check_targets(policy, "confidential", _targets("openai:gpt-5"))


def test_unknown_facts_fail_closed_except_for_public(tmp_path: Path) -> None:
    gov = load_catalog()["minimax"]
    endpoint = gov.default_endpoint
    assert gov.governance_of(endpoint).jurisdiction == "unknown"
    policy = _policy(tmp_path)
    ref = f"minimax@{endpoint}:MiniMax-M2"
    closed = check_targets(policy, "confidential", _targets(ref))
    assert {v.rule.split()[0] for v in closed} >= {"jurisdictions", "no", "retention"}
    assert all("unknown" in v.fact for v in closed)
    assert not check_targets(policy, "public", _targets(ref))


def test_deny_and_allow_lists(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    denied = check_targets(policy, "internal", _targets("openrouter:openai/gpt-5"))
    assert denied and denied[0].rule == "endpoint is denied"
    allow = _policy(tmp_path, "classes:\n  internal: {allow_endpoints: [openai@global]}\n")
    assert check_targets(allow, "internal", _targets("xai:grok-4.3"))
    assert not check_targets(allow, "internal", _targets("openai:gpt-5"))


@pytest.mark.parametrize(
    "text,where",
    [
        ("classes:\n  confidential: {jurisdictions: [US], trainin: false}\n", ":2:"),
        ("classes:\n  secret: {}\n", ":2:"),
        ("classes:\n  internal: {max_retention_days: -1}\n", ":2:"),
        ("classes: [\n", ":2:"),
        ("- a\n- b\n", ":1:"),
    ],
)
def test_policy_file_errors_name_file_and_line(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(ConfigError) as err:
        _policy(tmp_path, text)
    assert str(err.value).startswith(str(tmp_path / "policy.yaml") + where), err.value
