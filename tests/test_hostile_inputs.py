"""Broken and hostile inputs a user (or someone else's suite) hands to bench: one line naming
the file and the fix, exit status 2, bounded memory, nothing that runs away."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import BENCH, ROOT, bench

LAUGHS = "\n".join(
    ["name: lol", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    + ["items: [{id: x, prompt: *a9}]"]
)


def _one_line(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def _peak_rss_mb(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the CLI in a child that reports its own peak RSS (what the OS saw)."""
    # VmHWM, not ru_maxrss: a child started by vfork/exec can report its parent's peak
    code = (
        "import re, sys, runpy; sys.argv = ['bench', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('harness.cli', run_name='__main__')\n"
        "finally:\n    hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())\n"
        "    print('RSS', hwm.group(1), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=False)  # fmt: skip
    rss = [line for line in proc.stderr.splitlines() if line.startswith("RSS ")]
    proc.stderr = "\n".join(
        line for line in proc.stderr.splitlines() if not line.startswith("RSS ")
    )
    return proc, int(rss[-1].split()[1]) / 1024


@pytest.mark.parametrize("command", ["validate", "run"])
def test_billion_laughs_is_refused_with_bounded_memory(tmp_path: Path, command: str) -> None:
    suite = tmp_path / "laughs.yaml"
    suite.write_text(LAUGHS)
    args = [command, str(suite)] + (
        ["--simulate", "-m", "openai:gpt-5"] if command == "run" else []
    )
    proc, rss = _peak_rss_mb(*args)
    _one_line(proc, f"{suite}:3", "aliases")
    assert rss < 400, rss


def test_not_a_regular_file_and_too_large(tmp_path: Path) -> None:
    start = time.monotonic()
    _one_line(bench("validate", "/dev/zero"), "/dev/zero", "not a regular file")
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(65 * 1024 * 1024)  # sparse: costs no disk
    _one_line(bench("run", str(big), "--simulate", "-m", "openai:gpt-5"), str(big), "64 MB")
    assert time.monotonic() - start < 30


def test_ids_with_control_characters_and_bad_grade_regex(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(
        json.dumps({"id": "ok\n", "prompt": "p"})
        + "\n"
        + json.dumps({"id": "r", "prompt": "q", "grade": {"type": "regex", "answer": "(unclosed"}})
        + "\n"
    )
    suite = tmp_path / "s.yaml"
    suite.write_text("name: s\nitems_file: items.jsonl\n")
    proc = bench("validate", str(suite))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{items}:1: id" in proc.stderr
    assert f"{items}:2: grade" in proc.stderr and "not a regular expression" in proc.stderr


def test_catalog_with_aliases_and_non_utf8_files(tmp_path: Path) -> None:
    cat = tmp_path / "cat"
    cat.mkdir()
    (cat / "acme.yaml").write_text("id: acme\nname: &n Acme\nhq: *n\n")
    _one_line(bench("providers", env={"BENCH_CATALOG_PATH": str(cat)}), "acme.yaml", "aliases")
    latin = tmp_path / "answers.jsonl"
    latin.write_bytes('{"response": "caf\xe9"}\n'.encode("latin-1"))
    _one_line(bench("classify", str(latin)), f"{latin}:1", "UTF-8")
    rules = tmp_path / "rules.yaml"
    rules.write_bytes("rules: []\n# r\xe9gle\n".encode("latin-1"))
    _one_line(bench("check", "x", "--rules", str(rules), "--results", str(tmp_path)), "UTF-8")


def test_simulate_on_a_taken_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        _one_line(bench("simulate", "--port", str(port), timeout=30), str(port), "--port")


def test_ctrl_c_during_a_simulated_run_is_one_clean_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    args = [*BENCH, "run", str(ROOT / "suites" / "censorship.yaml"), "--simulate", "--results",
            str(tmp_path), "--run-id", "c", "--no-progress", "--no-grade"]  # fmt: skip
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stderr is not None
    while "jobs," not in proc.stderr.readline():  # "N jobs, 0 already recorded": flowing
        pass
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err  # (after notes)
    assert "bench run --resume c" in err


def test_csv_exports_neutralise_formulas(tmp_path: Path) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "name: s\nitems: [{id: a, prompt: 'Hello?', category: '=HYPERLINK(\"http://x.example\")'}]\n"
    )
    run = bench("run", str(suite), "--simulate", "-m", "openai:gpt-5", "--results",
                str(tmp_path / "r"), "--run-id", "f", "--no-progress", "--no-grade")  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = bench("query", "select category, '+1' as plus, 2 as n from responses", "--results",
                str(tmp_path / "r"), "--format", "csv").stdout  # fmt: skip
    lines = out.splitlines()
    assert lines[0] == "category,plus,n"
    assert lines[1].startswith("\"'=HYPERLINK(") and lines[1].endswith(",'+1,2"), lines[1]
