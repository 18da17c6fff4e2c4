"""`--family`: the same open weights on every host, and a report that says which layer censors.

The simulator is told where a family's censorship lives (scenario.yaml `families:`); the
report's reading must say the same, layer by layer, and flip when the simulator is told
otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.results.store import RunStore
from harness.simulator import SimConfig, Simulator
from harness.simulator.behaviour import default_scenario
from harness.simulator.layers import Layers

from .conftest import ROOT, bench

HOSTS = "first-party,openrouter,together,vllm"
SUITE = f"""\
name: family-test
models: [openai:gpt-5]
params: {{temperature: 0, max_tokens: 256}}
sensitivity:
  levels: {{cn_sensitive: China-sensitive, us_sensitive: US-sensitive}}
  focus: cn_sensitive
items_file: {ROOT / "suites/data/censorship-sensitive.jsonl"}
references_file: {ROOT / "suites/data/censorship-references.yaml"}
"""


def _suite(tmp_path: Path) -> str:
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE)
    return str(path)


def _reading(tmp_path: Path, run_id: str, env: dict[str, str] | None = None) -> dict:
    rep = bench("report", run_id, "--results", str(tmp_path / "r"), "--out", str(tmp_path / "o"),
                "--format", "md,json", env=env)  # fmt: skip
    assert rep.returncode == 0, rep.stderr
    assert "where censorship lives, deepseek-v3:" in rep.stdout
    md = (tmp_path / "o" / run_id / "report.md").read_text(encoding="utf-8")
    assert "## Where censorship lives: deepseek-v3" in md and "## Hosts of deepseek-v3" in md
    (layers,) = json.loads((tmp_path / "o" / run_id / "report.json").read_text())["layers"]
    return layers


def test_the_reading_names_the_three_layers_the_simulator_plays(tmp_path: Path) -> None:
    """Default scenario: the maker's API moderates, the weights refuse everywhere, and one
    US host (together) adds its own filter."""
    run = bench("run", _suite(tmp_path), "--simulate", "--family", "deepseek-v3",
                "--hosts", HOSTS, "--run-id", "fam", "--results", str(tmp_path / "r"),
                "--no-progress", timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    layers = _reading(tmp_path, "fam")
    assert layers["verdicts"] == {"api": "present", "weights": "present", "host": "present"}
    host_line = next(line for line in layers["reading"] if line.startswith("Host filters"))
    assert host_line.startswith("Host filters: present; together leaves")
    rows = RunStore(str(tmp_path / "r"), "fam").read().to_pandas()
    assert set(rows["family"]) == {"deepseek-v3"}
    assert set(rows["family_host"]) == set(HOSTS.split(","))
    assert rows.groupby("family_host")["case_id"].apply(frozenset).nunique() == 1  # same items


def test_clean_weights_without_moderation_read_as_no_layer(tmp_path: Path) -> None:
    """Told the weights answer everything and nobody filters, the reading finds no layer (run
    in real mode against the simulator, each host's base URL pointed at it)."""
    clean = {"cn": {"answer": 1.0}, "us": {"answer": 1.0}}
    scenario = default_scenario().model_copy(
        update={"families": {"deepseek-v3": Layers(weights=clean)}}
    )
    with Simulator(SimConfig(ttft_ms=0, token_ms=0, tokens=(5, 12)), scenario) as sim:
        env = {
            "DEEPSEEK_API_KEY": "k",
            "DEEPSEEK_BASE_URL": f"{sim.url}/v/deepseek/global",
            "OPENROUTER_API_KEY": "k",
            "OPENROUTER_BASE_URL": f"{sim.url}/v/openrouter/global",
            "TOGETHER_API_KEY": "k",
            "TOGETHER_BASE_URL": f"{sim.url}/v/together/global",
            "VLLM_BASE_URL": f"{sim.url}/v/vllm/local",
        }
        run = bench("run", _suite(tmp_path), "--family", "deepseek-v3", "--run-id", "clean",
                    "--results", str(tmp_path / "r"), "--no-progress", env=env, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    # ollama and llama.cpp have no base URL set: skipped and named, once
    assert run.stderr.count("family deepseek-v3: skipped") == 1
    assert "OLLAMA_BASE_URL not set" in run.stderr and "LLAMACPP_BASE_URL" in run.stderr
    layers = _reading(tmp_path, "clean")
    assert layers["verdicts"] == {"api": "absent", "weights": "absent", "host": "absent"}


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["--family", "no-such"], {}, "unknown family 'no-such'; use one of deepseek-v3"),
        (["--family", "kimi-k2", "--hosts", "ollama"], {}, "has no model name for host 'ollama'"),
        (["--family", "glm-4"], {}, "no host can be reached; set one of OPENROUTER_API_KEY"),
        (["--hosts", "vllm"], {}, "--hosts picks hosts of a family: give --family too"),
    ],
)
def test_family_mistakes_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], says: str
) -> None:
    run = bench("run", _suite(tmp_path), *args, "--results", str(tmp_path / "r"), env=env)
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert says in line and "Traceback" not in run.stderr
    assert not (tmp_path / "r").exists()


def test_providers_lists_families_and_which_hosts_can_be_reached(tmp_path: Path) -> None:
    run = bench("providers", "--families", "--format", "json", env={"TOGETHER_API_KEY": "k"})
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    ds = {r["host"]: r for r in rows if r["family"] == "deepseek-v3"}
    assert ds["first-party"]["kind"] == "first-party" and ds["vllm"]["kind"] == "self-hosted"
    assert ds["together"]["reachable"] == "yes"
    assert ds["openrouter"]["reachable"] == "no: OPENROUTER_API_KEY not set"
    assert {"qwen3-235b", "kimi-k2", "glm-4", "minimax-m2"} <= {r["family"] for r in rows}


def test_a_users_family_file_is_checked_against_the_catalog(tmp_path: Path) -> None:
    fam = tmp_path / "cat" / "families"
    fam.mkdir(parents=True)
    (fam / "mine.yaml").write_text(
        "id: mine\nname: Mine\nweights: https://example.org/w\n"
        "hosts: {first-party: ['deepseek:deepseek-chat'], vllm: ['nosuch:m']}\n"
    )
    run = bench("providers", "--families", env={"BENCH_CATALOG_PATH": str(tmp_path / "cat")})
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert "mine.yaml: hosts.vllm: unknown vendor 'nosuch'" in line
    (fam / "mine.yaml").write_text(
        "id: mine\nname: Mine\nweights: https://example.org/w\n"
        "hosts: {first-party: ['deepseek:deepseek-chat'], vllm: ['vllm:me/mine']}\n"
    )
    run = bench("providers", "--families", "--format", "csv",
                env={"BENCH_CATALOG_PATH": str(tmp_path / "cat")})  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "mine,Mine,vllm,self-hosted,vllm:me/mine" in run.stdout
