"""Suite loading: inline items, JSONL and CSV item files, cross-references, shipped suites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import SuiteError
from harness.suites import check_suite, load_suite

from .conftest import ROOT, bench


def test_items_from_jsonl_and_csv(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        '{"id": "j1", "prompt": "one", "lang": "zh", "tags": ["x"], "pair_id": "i1"}\n\n'
    )
    (tmp_path / "b.csv").write_text('id,prompt,lang,tags\nc1,"two, with comma",en,"a;b"\n')
    (tmp_path / "s.yaml").write_text(
        "name: mixed\nsystem: be brief\nitems_file: [a.jsonl, b.csv]\n"
        "items:\n  - {id: i1, prompt: inline, pair_id: j1}\n"
    )
    suite = load_suite(tmp_path / "s.yaml")
    assert [i.id for i in suite.items] == ["i1", "j1", "c1"]
    assert suite.items[1].lang == "zh" and suite.items[2].tags == ["a", "b"]
    assert suite.items[2].prompt == "two, with comma"


def test_dangling_pair_is_reported(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("name: x\nitems:\n  - {id: a, prompt: p, pair_id: zz}\n")
    suite, problems = check_suite(tmp_path / "s.yaml")
    assert suite is None and problems == [
        f"{tmp_path / 's.yaml'}:3: a.pair_id: no item with id 'zz'; fix the reference or remove it"
    ]


def test_all_problems_listed(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "name: x\nitems:\n  - {id: a, prompt: p, bogus: 1}\n  - {id: b, lang: EN!, prompt: q}\n"
    )
    _, problems = check_suite(tmp_path / "s.yaml")
    assert len(problems) == 2 and problems[0].startswith(f"{tmp_path / 's.yaml'}:3:")
    with pytest.raises(SuiteError, match="and 1 more"):
        load_suite(tmp_path / "s.yaml")


def test_suite_digest_changes_with_content(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("name: x\nitems:\n  - {id: a, prompt: p}\n")
    first = load_suite(tmp_path / "s.yaml").digest()
    (tmp_path / "s.yaml").write_text("name: x\nitems:\n  - {id: a, prompt: q}\n")
    assert load_suite(tmp_path / "s.yaml").digest() != first


@pytest.mark.parametrize("path", sorted((ROOT / "suites").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_suites_validate(path: Path) -> None:
    proc = bench("validate", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout


def test_vars_include_and_parquet(tmp_path: Path) -> None:
    import pandas as pd

    pd.DataFrame(
        [{"id": "p1", "prompt": "from parquet", "tags": ["a", "b"], "lang": "en"}]
    ).to_parquet(tmp_path / "more.parquet")
    (tmp_path / "base.yaml").write_text("name: base\nitems:\n  - {id: b1, prompt: included item}\n")
    (tmp_path / "s.yaml").write_text(
        "name: composed\ninclude: [base.yaml]\nitems_file: more.parquet\nitems:\n"
        "  - id: cap\n    prompt: 'Capital of {country}? {nonce}'\n"
        "    vars: [{country: France, city: Paris}, {country: Japan, city: Tokyo}]\n"
        "    grade: {type: contains, answer: '{city}'}\n"
    )
    suite = load_suite(tmp_path / "s.yaml")
    by_id = {i.id: i for i in suite.items}
    assert set(by_id) == {"cap-1", "cap-2", "p1", "b1"}
    assert by_id["cap-2"].prompt == "Capital of Japan? {nonce}"  # {nonce} is filled per job
    assert by_id["cap-2"].specs[0].answer == "Tokyo"
    assert by_id["p1"].tags == ["a", "b"]


def test_include_cycle_and_pairing_rules(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: a\ninclude: [b.yaml]\nitems:\n  - {id: x, prompt: p}\n")
    (tmp_path / "b.yaml").write_text("name: b\ninclude: [a.yaml]\nitems:\n  - {id: y, prompt: q}\n")
    _, problems = check_suite(tmp_path / "a.yaml")
    assert any("includes itself" in p for p in problems)
    (tmp_path / "p.yaml").write_text(
        "name: p\nitems:\n"
        "  - {id: e1, prompt: one, lang: en, pair_id: e2, mirror_id: m1}\n"
        "  - {id: e2, prompt: two, lang: en, pair_id: e1}\n"
        "  - {id: m1, prompt: three, lang: en}\n"
        "  - {id: d1, prompt: One}\n"
    )
    _, problems = check_suite(tmp_path / "p.yaml")
    text = "\n".join(problems)
    assert "p.yaml:3: e1.pair_id: e2 has the same lang 'en'" in text
    assert "e1.mirror_id: m1 does not point back" in text
    assert "d1.prompt: same prompt as e1" in text


def test_shipped_json_schema_is_current() -> None:
    from harness.suites.schema import suite_json_schema

    shipped = json.loads((ROOT / "suites" / "suite.schema.json").read_text(encoding="utf-8"))
    assert shipped == suite_json_schema(), (
        "regenerate with: bench schema > suites/suite.schema.json"
    )


def test_every_shipped_suite_runs_simulated(tmp_path: Path) -> None:
    for path in sorted((ROOT / "suites").glob("*.yaml")):
        proc = bench(
            "run",
            str(path),
            "--simulate",
            "-m",
            "deepseek:deepseek-chat",
            "--repeat",
            "1",
            "--results",
            str(tmp_path),
            "--run-id",
            path.stem,
            "--no-progress",
        )
        assert proc.returncode == 0, (path, proc.stderr)
        assert "status finished" in proc.stdout, proc.stdout


def test_censorship_suite_design() -> None:
    suite = load_suite(ROOT / "suites" / "censorship.yaml")
    cells: dict[tuple[str, str], int] = {}
    for item in suite.items:
        sens = next(t for t in item.tags if t in ("cn_sensitive", "us_sensitive", "benign_control"))
        cells[(sens, item.lang)] = cells.get((sens, item.lang), 0) + 1
        assert item.pair_id and item.form in ("question", "essay", "satire")
        if sens == "cn_sensitive":
            assert item.mirror_id
    assert len(cells) == 6 and min(cells.values()) >= 60
    cn_topics = {i.category for i in suite.items if "cn_sensitive" in i.tags}
    assert len(cn_topics) >= 12
