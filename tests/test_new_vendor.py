"""Adding a vendor is one catalog entry and no code: a user's own YAML, run end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from harness.simulator import SimConfig, Simulator

from .conftest import bench

ACME = """\
id: acme
name: Acme AI
hq: SG
protocol: openai_chat
api_key_env: ACME_API_KEY
endpoints:
  global: {base_url: "https://api.acme.example/v1", region: global}
  anthropic:
    {base_url: "https://api.acme.example/anthropic", region: global, protocol: anthropic_messages}
default_endpoint: global
moderation:
  - name: flagged
    status: 400
    code: content_flagged
    example: '{"error": {"code": "content_flagged", "message": "flagged"}}'
  - {name: refusal, stage: output, finish_reason: refusal, protocol: anthropic_messages}
prices:
  acme-large: {input: 0.5, output: 1.5, currency: USD, checked: "2026-11-01", source: "test"}
"""


def test_user_vendor_from_yaml_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "acme.yaml").write_text(ACME)
    suite = tmp_path / "s.yaml"
    suite.write_text("name: acme\nitems:\n  - {id: a, prompt: hello}\n  - {id: b, prompt: again}\n")
    env = {"BENCH_CATALOG_PATH": str(catalog)}
    listed = bench("providers", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    acme = next(v for v in json.loads(listed.stdout) if v["vendor"] == "acme")
    assert acme["hq"] == "SG" and acme["key_env"] == "ACME_API_KEY" and not acme["key_set"]

    monkeypatch.setenv("BENCH_CATALOG_PATH", str(catalog))
    with Simulator(SimConfig(ttft_ms=0, token_ms=0)) as sim:
        # the simulator reads the same catalog, so it plays acme too
        env.update(
            ACME_API_KEY="sk-acme",
            ACME_BASE_URL=f"{sim.url}/v/acme/global",
            ACME_ANTHROPIC_BASE_URL=f"{sim.url}/v/acme/anthropic",
        )
        run = bench(
            "run",
            str(suite),
            "-m",
            "acme:acme-large",
            "-m",
            "acme@anthropic:acme-large",
            "--results",
            str(tmp_path / "r"),
            "--run-id",
            "acme",
            "--no-progress",
            env=env,
        )
    assert run.returncode == 0, run.stderr
    df = pd.read_parquet(next((tmp_path / "r" / "acme").glob("responses-*.parquet")))
    assert len(df) == 4 and set(df["outcome"]) == {"ok"}
    assert set(df["protocol"]) == {"openai_chat", "anthropic_messages"}
    assert (df["hq"] == "SG").all() and df["cost_usd"].notna().all()


def test_bad_user_catalog_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("id: broken\nname: B\nhq: X\nprotocol: smoke_signals\n")
    proc = bench("providers", env={"BENCH_CATALOG_PATH": str(tmp_path)})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "broken.yaml" in proc.stderr and "protocol" in proc.stderr
