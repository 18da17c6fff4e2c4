"""Data policies: parsed with file:line errors, checked against the catalog's governance facts,
unknown facts failing closed for every class but public."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.policy.check import check_targets
from harness.policy.model import load_policy
from providers import load_catalog, resolve

from .conftest import Replay, bench
from .replay import serve

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
    assert bad[0].fact.startswith("jurisdiction CN (per ")  # the fact, with its source
    assert "checked 20" in bad[0].fact
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


def _suite(tmp_path: Path, data_class: str) -> Path:
    path = tmp_path / f"{data_class}.yaml"
    path.write_text(
        f"name: plans\ndata_class: {data_class}\nitems:\n"
        "  - {id: q1, prompt: 'Summarise the merger memo'}\n"
        "  - {id: q2, prompt: 'List the risks in the memo'}\n"
    )
    return path


def _run(tmp_path: Path, replay: Replay, data_class: str, *extra: str):  # type: ignore[no-untyped-def]
    serve(replay, 200, json.dumps(REPLY))
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    env = {"DEEPSEEK_API_KEY": "sk-ds-test", "DEEPSEEK_BASE_URL": replay.url + "/v1"}
    return bench(
        "run",
        str(_suite(tmp_path, data_class)),
        "-m",
        "deepseek:deepseek-chat",
        "--policy",
        str(policy),
        "--results",
        str(tmp_path / "results"),
        "--run-id",
        data_class,
        "--no-progress",
        "--no-grade",
        *extra,
        env=env,
    )


REPLY = {
    "id": "c",
    "model": "deepseek-chat",
    "choices": [{"index": 0, "message": {"content": "Done."}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 9, "completion_tokens": 2},
}


def test_policy_refuses_the_run_before_any_request(tmp_path: Path, replay: Replay) -> None:
    proc = _run(tmp_path, replay, "confidential")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert replay.requests == []  # the endpoint never saw a byte
    assert not (tmp_path / "results" / "confidential").exists()
    lines = proc.stderr.strip().splitlines()
    assert "refuses this run (confidential data); nothing was sent" in lines[0]
    assert any(
        ln.strip().startswith("deepseek@global: confidential data: jurisdictions") for ln in lines
    )
    assert "Traceback" not in proc.stderr


def test_allowed_run_records_where_the_data_went(tmp_path: Path, replay: Replay) -> None:
    proc = _run(tmp_path, replay, "public")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(replay.requests) == 2
    manifest = json.loads((tmp_path / "results" / "public" / "manifest.json").read_text())
    assert manifest["data_class"] == "public"
    (flow,) = manifest["data_flow"]
    sent = sum(len(r["json"]["messages"][-1]["content"].encode()) for r in replay.requests)
    assert flow["endpoint"] == "deepseek@global" and flow["host"] == "127.0.0.1"
    assert flow["jurisdiction"] == "CN" and flow["requests"] == 2 and flow["bytes"] == sent
    assert len(flow["policy_sha256"]) == 64


def test_simulated_run_goes_on_and_says_what_the_policy_would_refuse(
    tmp_path: Path, replay: Replay
) -> None:
    proc = _run(tmp_path, replay, "confidential", "--simulate")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert replay.requests == []
    notes = [ln for ln in proc.stderr.splitlines() if "would refuse" in ln]
    assert len(notes) == 1 and "deepseek@global" in notes[0]
    manifest = json.loads((tmp_path / "results" / "confidential" / "manifest.json").read_text())
    assert any("would refuse" in n for n in manifest["summary"]["notices"])


def test_a_class_the_policy_omits_is_refused(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "classes:\n  public: {}\n")
    (bad,) = check_targets(policy, "internal", _targets("openai:gpt-5"))
    assert "no rule for internal data" in bad.rule
    assert not check_targets(policy, "public", _targets("openai:gpt-5"))


def test_dry_run_shows_the_verdict(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    suite = str(_suite(tmp_path, "confidential"))
    proc = bench("run", suite, "-m", "openai:gpt-5", "--policy", str(policy), "--dry-run")
    assert proc.returncode == 0 and "may reach every endpoint" in proc.stdout, proc.stdout
    proc = bench(
        "run", suite, "-m", "deepseek:deepseek-chat", "--dry-run", env={"BENCH_POLICY": str(policy)}
    )
    assert "would refuse this run (confidential data)" in proc.stdout, proc.stdout
