"""No API key value appears in results, reports, the console or any error text."""

from __future__ import annotations

from pathlib import Path

from harness.simulator import Fault, SimConfig, Simulator
from providers import resolve
from providers.base import Secret

from .conftest import bench

KEY = "sk-SECRET-canary-7f3a9c"


def test_key_never_written(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    items = "\n".join(
        f'  - {{id: q{i}, prompt: "{p} {i}"}}'
        for i, p in enumerate(["Tiananmen 1989", "fail hard", "drop this", "plain"] * 3)
    )
    suite.write_text(f"name: secrets\nitems:\n{items}\n")
    faults = [Fault(kind="500", times=9, match="fail"), Fault(kind="drop", times=1, match="drop")]
    with Simulator(SimConfig(ttft_ms=0, token_ms=0, faults=faults)) as sim:
        env = {
            "DEEPSEEK_API_KEY": KEY,
            "DEEPSEEK_BASE_URL": f"{sim.url}/v/deepseek/global",
            "OPENAI_API_KEY": KEY,
            "OPENAI_BASE_URL": f"{sim.url}/v/openai/global",
        }
        procs = [
            bench(
                "run",
                str(suite),
                "-m",
                "deepseek:deepseek-chat",
                "-m",
                "openai:gpt-5",
                "--results",
                str(tmp_path / "results"),
                "--run-id",
                "s",
                "--max-attempts",
                "2",
                "--no-progress",
                env=env,
            ),
            bench(
                "report",
                "s",
                "--results",
                str(tmp_path / "results"),
                "--out",
                str(tmp_path / "reports"),
                env=env,
            ),
            bench("providers", env=env),
            bench("providers", "--json", env=env),
            # an unreachable host: the connection error names the vendor, not the key
            bench(
                "run",
                str(suite),
                "-m",
                "openai:gpt-5",
                "--results",
                str(tmp_path / "results"),
                "--run-id",
                "down",
                "--max-attempts",
                "1",
                "--no-progress",
                env={**env, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"},
            ),
        ]
    for proc in procs:
        assert proc.returncode == 0, proc.stderr
        assert KEY not in proc.stdout + proc.stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "s.yaml"]
    assert any(p.suffix == ".parquet" for p in files) and any(p.name == "report.md" for p in files)
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path
    assert "key set" in procs[2].stdout or "set" in procs[2].stdout


def test_secret_repr_is_redacted() -> None:
    target = resolve("deepseek:deepseek-chat", env={"DEEPSEEK_API_KEY": KEY})
    assert KEY not in repr(target) and KEY not in str(target.api_key)
    assert target.api_key.reveal() == KEY
    assert repr(Secret(KEY)) == "Secret('***')"
