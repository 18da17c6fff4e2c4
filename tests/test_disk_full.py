"""A run cut short from outside — a full disk, SIGTERM, Ctrl-C twice — ends in one line, leaves
a store that reads, and resumes once the cause is gone, without paying twice for a recorded job.

The full-disk tests put the results store on a 2 MB tmpfs and fill it to a chosen point; they
are skipped where mounting is not allowed (not root, no CAP_SYS_ADMIN). A leftover
`manifest.json.tmp` needs no mount.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.results.store import RunStore
from harness.simulator import SimConfig, Simulator

from .conftest import BENCH, ROOT, bench

PAGE = 4096


def _suite(tmp_path: Path, n: int, name: str = "full") -> Path:
    items = "\n".join(f'  - {{id: q{i}, prompt: "{name} question {i}"}}' for i in range(n))
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\nparams: {{max_tokens: 64}}\nitems:\n{items}\n")
    return path


def _env(sim: Simulator) -> dict[str, str]:
    return {"DEEPSEEK_API_KEY": "sk-disk-full", "DEEPSEEK_BASE_URL": f"{sim.url}/v/deepseek/global"}


def _run(
    suite: Path, results: Path, run_id: str, env: dict[str, str]
) -> subprocess.CompletedProcess:
    return bench(
        "run", str(suite), "-m", "deepseek:deepseek-chat", "--results", str(results),
        "--run-id", run_id, "--no-progress", "--no-grade", env=env,
    )  # fmt: skip


def _resume(results: Path, run_id: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return bench(
        "run", "--resume", run_id, "--results", str(results), "--no-progress", "--no-grade", env=env
    )


def _error_line(proc: subprocess.CompletedProcess) -> str:
    """The command's one error line (the job count line may come before it)."""
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def _journal_is_whole(path: Path) -> int:
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), "a torn last line"
    return len([json.loads(line) for line in data.splitlines()])


# ------------------------------------------------------------------ a leftover temporary file


def test_leftover_manifest_tmp_does_not_take_the_run_id(tmp_path: Path, sim: Simulator) -> None:
    suite, results, env = _suite(tmp_path, 4), tmp_path / "r", _env(sim)
    (results / "x").mkdir(parents=True)
    (results / "x" / "manifest.json.tmp").write_text('{"run_id": "x", "sche')  # cut short
    resume = _resume(results, "x", env)
    assert resume.returncode == 2 and "the run never started" in _error_line(resume)
    listed = bench("runs", "--results", str(results))
    assert listed.returncode == 0 and listed.stdout.strip() == "", listed.stdout
    run = _run(suite, results, "x", env)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (results / "x").iterdir()) == [
        "attempts-00000.parquet",
        "journal.jsonl",
        "manifest.json",
        "responses-00000.parquet",
    ]
    # a later write cut short leaves a .tmp beside the manifest: the run still resumes
    (results / "x" / "manifest.json.tmp").write_text("{")
    (results / "x" / "responses-00000.parquet.tmp").write_bytes(b"PAR1")
    again = _resume(results, "x", env)
    assert again.returncode == 0 and "status finished" in again.stdout, again.stderr
    assert not list((results / "x").glob("*.tmp"))


# ------------------------------------------------------------------ a full disk


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (skipped where mounting is not allowed)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        pytest.skip(f"cannot mount a tmpfs: {exc}")
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _free(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _fill(disk: Path, leave: int) -> Path:
    """A filler file that leaves about `leave` bytes free (0: none at all)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as fh:
        want = max(_free(disk) - leave, 0)
        try:
            while want > 0:
                want -= fh.write(b"\0" * min(want, 1 << 16))
            while leave == 0:
                fh.write(b"\0" * PAGE)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def _pages(n: int) -> int:
    return -(-n // PAGE) * PAGE


def test_disk_full_during_the_run(tmp_path: Path, disk: Path, sim: Simulator) -> None:
    n = 120
    suite, results, env = _suite(tmp_path, n), disk / "r", _env(sim)
    filler = _fill(disk, 96 * 1024)  # the manifest and some 30 journal lines fit
    proc = _run(suite, results, "full", env)
    assert proc.returncode == 2, proc.stderr
    line = _error_line(proc)
    assert "journal.jsonl: cannot write (No space left on device)" in line
    assert "bench run --resume full" in line
    run = results / "full"
    manifest = json.loads((run / "manifest.json").read_text())  # never torn
    assert manifest["status"] in ("interrupted", "running")  # (interrupted when it fit)
    recorded = _journal_is_whole(run / "journal.jsonl")
    assert 0 < recorded < n
    assert not list(run.glob("*.tmp"))
    before = sim.stats()["by_prompt"]

    filler.unlink()
    again = _resume(results, "full", env)
    assert again.returncode == 0, again.stderr
    assert f"{n} of {n} jobs recorded, status finished" in again.stdout
    assert RunStore(results, "full").read().num_rows == n
    after = sim.stats()["by_prompt"]
    journaled = [json.loads(x)["row"]["prompt"] for x in (run / "journal.jsonl").open()]
    for prompt in journaled[:recorded]:
        assert after[prompt] == before[prompt], prompt  # recorded before: not sent again
    assert len(set(journaled)) == n


def test_disk_full_while_parquet_is_written(tmp_path: Path, disk: Path, sim: Simulator) -> None:
    """The journal fits, the Parquet does not: the manifest still says `interrupted`, and the
    resume sends nothing (the journal holds every answer)."""
    n = 60
    suite, env = _suite(tmp_path, n), _env(sim)
    probe = _run(suite, tmp_path / "probe", "full", env)  # sizes, measured on a roomy disk
    assert probe.returncode == 0, probe.stderr
    sizes = {p.name: p.stat().st_size for p in (tmp_path / "probe" / "full").iterdir()}
    parquet = sum(_pages(v) for k, v in sizes.items() if k.endswith(".parquet"))
    manifest = _pages(sizes["manifest.json"])
    slack = 2 * PAGE  # room left once the journal is written: the manifest fits, Parquet not
    assert parquet > manifest + slack, sizes
    filler = _fill(disk, manifest + _pages(sizes["journal.jsonl"]) + manifest + slack)
    results = disk / "r"
    proc = _run(suite, results, "full", env)
    assert proc.returncode == 2, proc.stderr
    line = _error_line(proc)
    assert "cannot write Parquet (No space left on device)" in line and "--resume full" in line
    run = results / "full"
    assert json.loads((run / "manifest.json").read_text())["status"] == "interrupted"
    assert _journal_is_whole(run / "journal.jsonl") == n
    assert not list(run.glob("*.parquet*"))
    sent = sum(sim.stats()["by_prompt"].values())

    filler.unlink()
    again = _resume(results, "full", env)
    assert again.returncode == 0 and "status finished" in again.stdout, again.stderr
    assert sum(sim.stats()["by_prompt"].values()) == sent
    assert RunStore(results, "full").read().num_rows == n


def test_disk_full_when_the_manifest_is_first_written(
    tmp_path: Path, disk: Path, sim: Simulator
) -> None:
    suite, results, env = _suite(tmp_path, 4), disk / "r", _env(sim)
    (results / "full").mkdir(parents=True)
    filler = _fill(disk, 0)
    proc = _run(suite, results, "full", env)
    assert proc.returncode == 2, proc.stderr
    assert "manifest.json: cannot write (No space left on device)" in _error_line(proc)
    assert list((results / "full").iterdir()) == []  # no temporary file left to block the id
    assert sum(sim.stats()["by_prompt"].values()) == 0  # nothing sent before the manifest

    filler.unlink()
    again = _run(suite, results, "full", env)
    assert again.returncode == 0 and "status finished" in again.stdout, again.stderr


# ------------------------------------------------------------------ SIGTERM and Ctrl-C


def _start(suite: Path, results: Path, run_id: str, env: dict[str, str]) -> subprocess.Popen:
    args = [*BENCH, "run", str(suite), "-m", "deepseek:deepseek-chat", "--results", str(results)]
    args += ["--run-id", run_id, "--concurrency", "2", "--no-progress", "--no-grade"]
    full = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=full | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_lines(journal: Path, lines: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.is_file() and journal.read_bytes().count(b"\n") >= lines:
            return
        time.sleep(0.02)
    raise AssertionError("the run never reached the point to interrupt")


@pytest.fixture
def slow_sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(ttft_ms=50, token_ms=10, tokens=(10, 20))) as s:
        yield s


def test_sigterm_is_handled_like_ctrl_c(tmp_path: Path, slow_sim: Simulator) -> None:
    n = 40
    suite, results, env = _suite(tmp_path, n, "term"), tmp_path / "r", _env(slow_sim)
    proc = _start(suite, results, "term", env)
    run = results / "term"
    _wait_for_lines(run / "journal.jsonl", n // 3, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert f"Resume with: bench run --resume term --results {results}" in err
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    recorded = _journal_is_whole(run / "journal.jsonl")
    assert manifest["rows"] == RunStore(results, "term").read().num_rows == recorded
    before = slow_sim.stats()["by_prompt"]

    again = _resume(results, "term", env)
    assert again.returncode == 0 and "status finished" in again.stdout, again.stderr
    after = slow_sim.stats()["by_prompt"]
    for x in list((run / "journal.jsonl").open())[:recorded]:
        prompt = json.loads(x)["row"]["prompt"]
        assert after[prompt] == before[prompt] == 1, prompt


@pytest.mark.parametrize("second", [0.0, 0.03, 0.15])
def test_a_second_interrupt_never_leaves_unreadable_parquet(
    tmp_path: Path, slow_sim: Simulator, second: float
) -> None:
    """Ctrl-C, then another one `second` seconds later (while the Parquet is being written,
    at some of these delays): the resume finishes and the Parquet reads."""
    n = 40
    suite, results, env = _suite(tmp_path, n, "twice"), tmp_path / "r", _env(slow_sim)
    proc = _start(suite, results, "twice", env)
    _wait_for_lines(results / "twice" / "journal.jsonl", n // 4, proc)
    proc.send_signal(signal.SIGINT)
    time.sleep(second)
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM if second else signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert not list((results / "twice").glob("*.tmp"))
    for table in ("responses", "attempts"):  # whatever Parquet there is reads
        if RunStore(results, "twice").has(table):
            RunStore(results, "twice").read(table)

    again = _resume(results, "twice", env)
    assert again.returncode == 0 and "status finished" in again.stdout, again.stderr
    assert RunStore(results, "twice").read().num_rows == n
    assert set(slow_sim.stats()["by_prompt"].values()) <= {1, 2}  # (only jobs in flight twice)
