"""A damaged run never breaks the commands that read the whole store, and names itself.

Each kind of damage is put into its own run next to a healthy one: a manifest that is valid
JSON of the wrong shape (`{}`), a manifest without `simulated`, journal lines that are junk
(no row, garbled, a row of the wrong types), a torn Parquet part and one garbled in its pages
(its footer intact). `bench runs`, `bench history` and `bench query` name each damaged run in
one line on stderr and go on with the rest (exit 0); `bench report` and `bench run --resume` of
a damaged run end with one line naming the file and the fix (exit 2) — or, where the fix is
the resume itself (Parquet rebuilt from the journal, junk lines skipped), finish.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from harness.errors import ResultsError
from harness.results.records import JournalRecord
from harness.results.store import RunStore, journal_from_parquet
from harness.simulator import Simulator

from .conftest import bench

HEALTHY = "healthy"


def _empty_manifest(run: Path) -> None:
    (run / "manifest.json").write_text("{}")


def _manifest_without_simulated(run: Path) -> None:
    data = json.loads((run / "manifest.json").read_text())
    del data["simulated"]
    (run / "manifest.json").write_text(json.dumps(data))


def _journal_junk(run: Path) -> None:
    journal = run / "journal.jsonl"
    first = json.loads(journal.read_text().splitlines()[0])
    first["row"] |= {"job_id": "not-a-job", "cost_usd": "abc", "started_at": "noon"}
    junk = ['{"junk": 1}', '{"attempts": "x"}', "garbage{{", "[]", json.dumps(first)]
    with journal.open("a") as fh:
        fh.write("\n".join(junk) + "\n")


def _torn_parquet(run: Path) -> None:
    part = run / "responses-00000.parquet"
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])


def _garbled_parquet(run: Path) -> None:
    part = run / "responses-00000.parquet"
    data = bytearray(part.read_bytes())
    for i in range(4, 200):  # the first pages; the footer still reads
        data[i] ^= 0x5A
    part.write_bytes(bytes(data))
    assert pq.read_metadata(part).num_rows  # (only a whole read finds it)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "manifest-empty": _empty_manifest,
    "manifest-nosim": _manifest_without_simulated,
    "journal-junk": _journal_junk,
    "parquet-torn": _torn_parquet,
    "parquet-garbled": _garbled_parquet,
}
BAD_MANIFEST = {"manifest-empty", "manifest-nosim"}
BAD_PARQUET = {"parquet-torn", "parquet-garbled"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One simulated run, made once; the tests copy it under other run ids."""
    root = tmp_path_factory.mktemp("template")
    suite = root / "s.yaml"
    items = "\n".join(f'  - {{id: q{i}, prompt: "damage question {i}"}}' for i in range(6))
    suite.write_text(f"name: damage\nitems:\n{items}\n")
    proc = bench(
        "run", str(suite), "--simulate", "-m", "deepseek:deepseek-chat", "--results",
        str(root), "--run-id", "template", "--no-grade", "--no-progress",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return root / "template"


def _clone(template: Path, root: Path, run_id: str) -> Path:
    """The template run under another id: its manifest and journal renamed, Parquet rebuilt."""
    run = root / run_id
    run.mkdir(parents=True)
    manifest = json.loads((template / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps(manifest | {"run_id": run_id}))
    journal = (template / "journal.jsonl").read_text()
    (run / "journal.jsonl").write_text(journal.replace('"template"', json.dumps(run_id)))
    RunStore(root, run_id).compact()
    return run


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "results"
    for run_id in [HEALTHY, *DAMAGE]:
        run = _clone(template, root, run_id)
        DAMAGE.get(run_id, lambda _: None)(run)
    return root


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def _skipped(stderr: str) -> dict[str, str]:
    """Run id → the line that named it."""
    assert "Traceback" not in stderr, stderr
    found = {}
    for line in stderr.strip().splitlines():
        assert line.startswith("skipped run "), line
        found[line.split()[2].rstrip(":")] = line
    return found


def test_store_wide_readers_skip_damaged_runs(store: Path) -> None:
    at = ("--results", str(store))
    runs = bench("runs", *at)
    assert runs.returncode == 0, runs.stderr
    assert set(_skipped(runs.stderr)) == BAD_MANIFEST  # (listing reads manifests only)
    listed = {line.split()[0] for line in runs.stdout.splitlines()}
    assert listed == {HEALTHY, "journal-junk", *BAD_PARQUET}

    history = bench("history", *at, "--format", "csv")
    assert history.returncode == 0, history.stderr
    skipped = _skipped(history.stderr)
    assert set(skipped) == BAD_MANIFEST | BAD_PARQUET
    assert "manifest.json" in skipped["manifest-empty"] and "simulated" in skipped["manifest-nosim"]
    for run_id in BAD_PARQUET:
        assert "responses-00000.parquet" in skipped[run_id]
        assert f"bench run --resume {run_id}" in skipped[run_id]
    assert {line.split(",")[1] for line in history.stdout.splitlines()[1:]} == {
        HEALTHY,
        "journal-junk",
    }

    sql = "select run_id, count(*) as n from responses group by run_id order by run_id"
    query = bench("query", sql, *at, "--format", "csv")
    assert query.returncode == 0, query.stderr
    assert set(_skipped(query.stderr)) == BAD_MANIFEST | BAD_PARQUET
    assert query.stdout.split() == ["run_id,n", f"{HEALTHY},6", "journal-junk,6"]


@pytest.mark.parametrize("run_id", sorted(DAMAGE))
def test_report_and_resume_of_a_damaged_run(store: Path, tmp_path: Path, run_id: str) -> None:
    at = ("--results", str(store))
    out = ("--out", str(tmp_path / "reports"))
    report = bench("report", run_id, *at, *out)
    resume = bench("run", "--resume", run_id, *at, "--no-progress", "--no-grade")
    if run_id in BAD_MANIFEST:
        for proc in (report, resume):
            assert proc.returncode == 2, proc.stderr
            line = _one_line(proc.stderr)
            assert f"{run_id}/manifest.json: unreadable, damaged" in line and "--run-id" in line
        return
    if run_id in BAD_PARQUET:
        assert report.returncode == 2, report.stderr
        line = _one_line(report.stderr)
        assert "responses-00000.parquet: unreadable Parquet" in line
        assert f"bench run --resume {run_id}" in line
    else:
        assert report.returncode == 0, report.stderr
    # the resume is the fix: Parquet rebuilt from the journal, junk lines skipped, none sent
    assert resume.returncode == 0, resume.stderr
    assert "6 jobs, 6 already recorded" in resume.stderr
    assert "status finished" in resume.stdout
    if run_id == "journal-junk":
        line = [x for x in resume.stderr.splitlines() if "journal.jsonl" in x]
        assert len(line) == 1 and "5 unreadable line(s) skipped" in line[0], resume.stderr
    again = bench("report", run_id, *at, *out)
    assert again.returncode == 0, again.stderr
    assert RunStore(store, run_id).read().num_rows == 6


def test_resume_with_neither_journal_nor_parquet_readable(template: Path, tmp_path: Path) -> None:
    run = _clone(template, tmp_path, "lost")
    (run / "journal.jsonl").unlink()
    _torn_parquet(run)
    proc = bench("run", "--resume", "lost", "--results", str(tmp_path), "--no-progress")
    assert proc.returncode == 2
    line = _one_line(proc.stderr)
    assert "responses-00000.parquet: unreadable Parquet" in line and "journal is missing" in line


def test_run_ids_are_matched_whole(tmp_path: Path) -> None:
    for bad in ("ok\n", "ok\nx", "../up", "", "a b"):
        with pytest.raises(ResultsError, match="run id"):
            RunStore(tmp_path, bad)
    assert RunStore(tmp_path, "ok").run_id == "ok"
    proc = bench("report", "ok\n", "--results", str(tmp_path))
    assert proc.returncode == 2 and "run id 'ok\\n'" in _one_line(proc.stderr)


def test_report_out_pointing_at_a_file(template: Path, tmp_path: Path) -> None:
    shutil.copytree(template.parent, tmp_path / "results")
    taken = tmp_path / "taken.txt"
    taken.write_text("mine")
    for out in (taken, taken / "sub"):
        proc = bench(
            "report", "template", "--results", str(tmp_path / "results"), "--out", str(out)
        )
        assert proc.returncode == 2
        assert f"{taken} is a file" in _one_line(proc.stderr)
    assert taken.read_text() == "mine"


@pytest.mark.parametrize("loss", ["missing", "empty", "junk only"])
def test_resume_rebuilds_a_lost_journal_from_parquet(
    tmp_path: Path, sim: Simulator, loss: str
) -> None:
    """Nothing recorded is sent again nor overwritten when the journal is gone."""
    suite = tmp_path / "s.yaml"
    items = "\n".join(f'  - {{id: q{i}, prompt: "lost journal {i}"}}' for i in range(8))
    suite.write_text(f"name: lost\nitems:\n{items}\n")
    env = {
        "DEEPSEEK_API_KEY": "sk-lost-journal",
        "DEEPSEEK_BASE_URL": f"{sim.url}/v/deepseek/global",
    }
    at = ("--results", str(tmp_path / "r"), "--no-progress", "--no-grade")
    first = bench(
        "run", str(suite), "-m", "deepseek:deepseek-chat", "--run-id", "lost", *at, env=env
    )
    assert first.returncode == 0, first.stderr
    store = RunStore(tmp_path / "r", "lost")
    before = store.read().sort_by("job_id").to_pylist()
    journal = store.journal.path
    {"missing": journal.unlink, "empty": lambda: journal.write_bytes(b""),
     "junk only": lambda: journal.write_text("garbage\n{}\n")}[loss]()  # fmt: skip

    again = bench("run", "--resume", "lost", *at, env=env)
    assert again.returncode == 0, again.stderr
    notes = [line for line in again.stderr.splitlines() if "rebuilt" in line]
    assert len(notes) == 1 and "journal.jsonl: missing or empty" in notes[0], again.stderr
    assert "8 responses, 8 attempts" in notes[0]
    assert "8 jobs, 8 already recorded" in again.stderr
    assert set(sim.stats()["by_prompt"].values()) == {1}  # none sent twice
    assert RunStore(tmp_path / "r", "lost").read().sort_by("job_id").to_pylist() == before
    rows = [json.loads(x).get("row") for x in journal.read_text().splitlines()[-8:]]
    assert len({r["job_id"] for r in rows if r}) == 8


def test_journal_rebuilt_from_parquet_holds_what_was_journaled(
    template: Path, tmp_path: Path
) -> None:
    _clone(template, tmp_path, "judged")
    store = RunStore(tmp_path, "judged")
    first = next(store.records())
    judge = [dataclasses.replace(a, purpose="judge", attempt=i) for i, a in enumerate(
        first.attempts * 2, 1)]  # fmt: skip
    journal = store.open_journal()
    journal.append(JournalRecord(None, tuple(judge)))  # a judge call retried once
    journal.append(JournalRecord(None, tuple(judge[:1])))  # and another
    store.close_journal()
    store.compact()
    original = [r.to_json() for r in store.records()]
    store.journal.path.unlink()
    store = RunStore(tmp_path, "judged")  # (a new reader finds the journal gone)
    assert [r.to_json() for r in store.records()] != []
    rebuilt = [
        r.to_json() for r in journal_from_parquet(store.read("responses"), store.read("attempts"))
    ]
    assert _rounded(rebuilt) == _rounded(original)
    assert _rounded([r.to_json() for r in store.records()]) == _rounded(original)


def _rounded(records: list[dict]) -> str:
    """Journal records with their epoch seconds at Parquet's precision (microseconds)."""

    def fix(d: dict) -> dict:
        return d | {"started_at": round(d["started_at"] * 1e6)}

    return json.dumps(
        [
            {"row": r.get("row") and fix(r["row"]), "attempts": [fix(a) for a in r["attempts"]]}
            for r in records
        ],
        sort_keys=True,
    )
