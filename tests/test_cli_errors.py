"""Bad input ends as one line naming the file/line/field and the fix, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import BENCH, ROOT, bench

GOOD_ITEM = '  - {id: a, prompt: "hello"}\n'


def _one_line_error(proc, *must: str) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    for text in must:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("yaml_text", "must"),
    [
        ("name: x\nitems:\n  - {id: a, prompt: 'unclosed\n", ["s.yaml:", "YAML syntax"]),
        (
            "name: x\nitems:\n" + GOOD_ITEM + "  - {id: b, prompt: hi, langg: en}\n",
            ["s.yaml:4", "items[1].langg", "unknown field", "remove it"],
        ),
        (
            "name: x\nparams: {temprature: 0}\nitems:\n" + GOOD_ITEM,
            ["s.yaml:2", "params.temprature"],
        ),
        ("name: x\nitems:\n  - {id: a}\n", ["s.yaml:3", "prompt", "missing required field"]),
        ("name: x\nitems_file: data/nope.jsonl\nitems:\n" + GOOD_ITEM, ["nope.jsonl", "not found"]),
        ("name: x\nitems:\n" + GOOD_ITEM + GOOD_ITEM.replace("hello", "bye"), ["duplicate id"]),
    ],
)
def test_broken_suites(tmp_path: Path, yaml_text: str, must: list[str]) -> None:
    suite = tmp_path / "s.yaml"
    suite.write_text(yaml_text)
    for cmd in (
        ["run", str(suite), "-m", "deepseek:deepseek-chat", "--simulate"],
        ["validate", str(suite)],
    ):
        proc = bench(*cmd, "--results", str(tmp_path / "r")) if cmd[0] == "run" else bench(*cmd)
        _one_line_error(proc, *must)
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_bad_items_file_line(tmp_path: Path) -> None:
    (tmp_path / "items.jsonl").write_text('{"id": "a", "prompt": "x"}\n{"id": "b", "prompt": 3}\n')
    suite = tmp_path / "s.yaml"
    suite.write_text("name: x\nitems_file: items.jsonl\n")
    _one_line_error(bench("validate", str(suite)), "items.jsonl:2", "prompt")


@pytest.fixture
def good_suite(tmp_path: Path) -> Path:
    suite = tmp_path / "s.yaml"
    suite.write_text("name: x\nitems:\n" + GOOD_ITEM)
    return suite


def test_unknown_vendor(good_suite: Path, tmp_path: Path) -> None:
    proc = bench(
        "run", str(good_suite), "-m", "deepsek:deepseek-chat", "--results", str(tmp_path / "r")
    )
    _one_line_error(proc, "unknown vendor 'deepsek'", "deepseek")


def test_unknown_endpoint(good_suite: Path, tmp_path: Path) -> None:
    proc = bench(
        "run", str(good_suite), "-m", "qwen@mars:qwen-max", "--results", str(tmp_path / "r")
    )
    _one_line_error(proc, "no endpoint 'mars'", "cn")


def test_missing_key(good_suite: Path, tmp_path: Path) -> None:
    proc = bench(
        "run", str(good_suite), "-m", "deepseek:deepseek-chat", "--results", str(tmp_path / "r")
    )
    _one_line_error(proc, "DEEPSEEK_API_KEY", "--simulate")
    assert not (tmp_path / "r").exists(), "nothing is created before the run can start"


def test_no_models(good_suite: Path) -> None:
    _one_line_error(bench("run", str(good_suite), "--simulate"), "no models", "-m vendor:model")


def test_missing_suite_file(tmp_path: Path) -> None:
    _one_line_error(bench("run", str(tmp_path / "none.yaml"), "-m", "openai:gpt-5"), "not found")


def test_unreadable_results(tmp_path: Path) -> None:
    _one_line_error(bench("report", "nope", "--results", str(tmp_path)), "no such run")
    run = tmp_path / "broken"
    run.mkdir()
    (run / "manifest.json").write_text("{not json")
    _one_line_error(bench("report", "broken", "--results", str(tmp_path)), "unreadable")


def test_existing_run_id_is_not_overwritten(good_suite: Path, tmp_path: Path) -> None:
    args = [
        "run",
        str(good_suite),
        "-m",
        "openai:gpt-5",
        "--simulate",
        "--results",
        str(tmp_path),
        "--run-id",
        "same",
        "--no-progress",
    ]
    assert bench(*args).returncode == 0
    _one_line_error(bench(*args), "already holds a run", "--resume same")


def test_live_progress_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal the live display counts each finished job (a row per model)."""
    import os
    import pty
    import subprocess

    main, sub = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    proc = subprocess.run(
        [*BENCH, "run", str(ROOT / "suites" / "identity.yaml"), "--simulate", "-m",
         "openai:gpt-5", "--results", str(tmp_path), "--no-grade"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=sub, env=env, cwd=ROOT,
        timeout=120, check=False,
    )  # fmt: skip
    os.close(sub)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert proc.returncode == 0, shown.decode(errors="replace")
    assert b"28/28" in shown and b"ok 28" in shown
