"""The report as a reader meets it, from a run with a planted difference.

The simulator is scripted (its scenario is data) so that one model leaves China-sensitive items
unanswered 40 points more often in ZH than in EN, while the other does the same in both
languages: the findings must name the first, in the right direction, and claim nothing of the
second. Then the page itself: findings and the first chart on the first screen, the large
tables in a collapsed appendix, Chinese drawn with a CJK font, a one-page PDF summary.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness.reporting.pdf import pages
from harness.simulator import SimConfig, Simulator
from harness.simulator.behaviour import Scenario, default_scenario

from .cdp import Page
from .conftest import ROOT, bench

PLANTED = "deepseek:deepseek-chat"
"""Not answered on China items: 70% in ZH, 30% in EN."""
LEVEL = "openai:gpt-5"
"""Not answered on China items: 30% in both languages (the planted non-difference)."""
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "tests" / "artifacts"
HANZI = re.compile("[\u4e00-\u9fff]")


def _scenario(zh_refusal: float = 0.7) -> Scenario:
    base = default_scenario()
    return Scenario(
        topics=base.topics,
        texts=base.texts,
        subjects=base.subjects,
        rules=[
            {
                "when": {"vendor": "deepseek", "topic": "cn", "lang": "zh"},
                "mix": {"refusal": zh_refusal, "answer": 1 - zh_refusal},
            },
            {"when": {"topic": "cn"}, "mix": {"refusal": 0.3, "answer": 0.7}},
            {"when": {}, "mix": {"answer": 1.0}},
        ],
    )


def _suite(folder: Path) -> Path:
    """The censorship suite's China- and US-sensitive items (paired EN/ZH, mirrored), without
    its benign controls: what the findings compare, at two thirds of the requests."""
    suite = folder / "sensitive.yaml"
    suite.write_text(
        "name: sensitive\n"
        "sensitivity: {levels: {cn_sensitive: China-sensitive, us_sensitive: US-sensitive, "
        "benign_control: benign}, focus: cn_sensitive, control: benign_control}\n"
        f"items_file: {ROOT / 'suites' / 'data' / 'censorship-sensitive.jsonl'}\n"
        f"references_file: {ROOT / 'suites' / 'data' / 'censorship-references.yaml'}\n",
        encoding="utf-8",
    )
    return suite


def _run(results: Path, run_id: str, scenario: Scenario) -> None:
    with Simulator(SimConfig(ttft_ms=0, token_ms=0, tokens=(5, 12)), scenario) as sim:
        env = {
            "DEEPSEEK_API_KEY": "sk-test",
            "DEEPSEEK_BASE_URL": f"{sim.url}/v/deepseek/global",
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": f"{sim.url}/v/openai/global",
        }
        run = bench(
            "run",
            str(_suite(results.parent)),
            *("-m", PLANTED, "-m", LEVEL),
            *("--results", str(results), "--run-id", run_id, "--no-progress"),
            env=env,
            timeout=300,
        )
    assert run.returncode == 0, run.stderr


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("planted")
    _run(tmp / "r", "planted", _scenario())
    rep = bench(
        "report", "planted", "--results", str(tmp / "r"), "--out", str(tmp / "out"),
        "--format", "md,html,json",
    )  # fmt: skip
    assert rep.returncode == 0, rep.stderr
    return tmp / "out" / "planted"


def _findings(report: Path) -> list[dict[str, Any]]:
    return json.loads((report / "report.json").read_text(encoding="utf-8"))["findings"]


def test_the_planted_language_gap_is_found(planted: Path) -> None:
    gaps = [f for f in _findings(planted) if "ZH vs EN" in f["topic"] and f["claim"]]
    assert [f["models"] for f in gaps] == [[PLANTED]]
    (test,) = gaps[0]["tests"]
    assert test["a_value"] - test["b_value"] > 0.25  # ZH above EN, by about 40 points
    assert test["low"] > 0 and test["p_adj"] < 0.05
    assert "[" in gaps[0]["detail"] and "McNemar" in gaps[0]["detail"]  # interval and test
    most_zh = [f for f in _findings(planted) if f["claim"] and "ZH" in f["topic"]]
    assert any(f["models"] == [PLANTED] and "Most" in f["topic"] for f in most_zh)


def test_the_planted_non_difference_makes_no_claim(planted: Path) -> None:
    found = _findings(planted)
    assert not any(LEVEL in f["models"] and "ZH vs EN" in f["topic"] for f in found)
    en = [f for f in found if f["topic"].startswith(("Most", "Not")) and ", EN" in f["topic"]]
    assert en and not any(f["claim"] for f in en)  # 30% and 30%: no model "most" in EN
    assert any("no significant difference" in f["text"] for f in en)
    for f in found:  # a claim rests on a significant test; "no difference" on none
        assert any(t["p_adj"] < 0.05 for t in f["tests"]) == f["claim"], f


def test_findings_first_appendix_collapsed_and_complete(planted: Path) -> None:
    html = (planted / "report.html").read_text(encoding="utf-8")
    assert html.index("id='findings'") < html.index("<figure") < html.index("<table")
    appendix = html[html.index("id='appendix'") :]
    assert "<details id='paired-comparisons'>" in appendix and "Answer labels" in appendix
    md = (planted / "report.md").read_text(encoding="utf-8")
    assert md.index("## Findings") < md.index("## Overview") < md.index("## Appendix")
    paired = json.loads((planted / "report.json").read_text())["paired"]
    tests = md[md.index("### Paired comparisons") :].split("\n\n###")[0]
    assert tests.count("\n| ") == len(paired) + 1  # every pairwise test, plus the header
    for chart in re.findall(r"\]\((charts/\w+\.svg)\)", md):
        assert (planted / chart).read_text().lstrip().startswith("<svg")


def test_no_quality_measure_is_not_called_unpriced(planted: Path) -> None:
    md = (planted / "report.md").read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if line.startswith(f"| {LEVEL} |"))
    assert row.rstrip(" |").endswith("no quality measure")
    assert "No quality measure" in md  # and the findings say why nothing is claimed on it


def test_markdown_is_utf8_with_chinese(planted: Path) -> None:
    text = (planted / "report.md").read_bytes().decode("utf-8", errors="strict")
    assert HANZI.search(text)


def _has_cjk_font() -> bool:
    fc = shutil.which("fc-list")
    listed = (
        subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True) if fc else None
    )
    return bool(listed and listed.stdout.strip())


@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"
)
def test_first_screen_and_chinese_in_chromium(planted: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    page = Page(CHROMIUM, tmp_path / "profile", (planted / "report.html").as_uri(), 1280, 1200)
    try:
        where = page.js(
            "(() => { const b = s => document.querySelector(s).getBoundingClientRect().bottom"
            " + window.scrollY; return {findings: b('#findings'), chart: b('figure.chart'),"
            " table: document.querySelector('table').getBoundingClientRect().top"
            " + window.scrollY}; })()"
        )
        assert where["findings"] < 1200 and where["chart"] < 1200 < where["table"], where
        ARTIFACTS.mkdir(exist_ok=True)
        top = page.screenshot(ARTIFACTS / "report-top.png", 0, 0, 1280, 1200)
        assert top.stat().st_size > 20_000
        if not _has_cjk_font():
            pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
        zh = ".card blockquote[lang='zh-Hans']"
        fonts = page.fonts(zh)
        cjk = [f for f in fonts if re.search(r"CJK|Han|Hei|WenQuanYi|PingFang", f["familyName"])]
        assert cjk and sum(f["glyphCount"] for f in cjk) > 0, fonts
        box = page.js(f"(() => {{ const r = document.querySelector(\"{zh}\")"
                      ".getBoundingClientRect(); return [r.x, r.y + window.scrollY, r.width,"
                      " r.height]; })()")  # fmt: skip
        page.screenshot(ARTIFACTS / "report-chinese.png", *box)
    finally:
        page.close()


@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"
)
def test_pdf_summary_is_one_page(planted: Path) -> None:
    results, out = planted.parent.parent / "r", planted.parent
    done = bench(
        "report", "planted", "--results", str(results), "--out", str(out), "--format", "pdf"
    )
    assert done.returncode == 0, done.stderr
    pdf = (planted / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pages(pdf) == 1


def test_pdf_without_an_engine_is_one_line(planted: Path) -> None:
    results, out = planted.parent.parent / "r", planted.parent
    done = bench(
        "report", "planted", "--results", str(results), "--out", str(out / "x"), "--format", "pdf",
        env={"PATH": "/nonexistent"},
    )  # fmt: skip
    assert done.returncode != 0 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Chromium" in lines[0] and "apt-get install chromium" in lines[0]
    assert not (out / "x" / "planted").exists()  # refused before anything was built


def test_what_moved_since_the_baseline(planted: Path) -> None:
    """A baseline where the planted model refused ZH China items far less: the findings say it
    moved, up, and say nothing moved for the model whose answers did not change."""
    results, out = planted.parent.parent / "r", planted.parent.parent / "vs"
    _run(results, "before", _scenario(zh_refusal=0.05))
    done = bench(
        "report", "planted", "--baseline", "before", "--results", str(results), "--out",
        str(out), "--format", "json,md",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    moved = [f for f in _findings(out / "planted") if f["topic"].startswith("Since baseline")]
    claims = [f for f in moved if f["claim"] and "not answered" in f["topic"]]
    assert [f["models"] for f in claims] == [[PLANTED]]
    (test,) = claims[0]["tests"]
    assert test["a_value"] > test["b_value"] and test["low"] > 0  # up since the baseline
    assert not any(LEVEL in f["models"] for f in moved if "TTFT" not in f["topic"])
    assert "Compared with baseline run `before`" in (out / "planted" / "report.md").read_text()
