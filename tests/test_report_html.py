"""The HTML report opened in headless Chromium: it renders, has its charts, runs no script,
makes no network request, and model text cannot inject markup. Skips where no Chromium is
installed (.ci/run installs Debian's chromium package)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT, bench

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "tests" / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS = '<script>document.body.setAttribute("data-pwned","1")</script><img src=x onerror="document.title=1"> ![t](http://e.example/x.png) [c](javascript:alert(1))'


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("html")
    suite = tmp / "s.yaml"
    suite.write_text(
        "name: xss\n"
        "sensitivity: {levels: {cn_sensitive: China-sensitive, us_sensitive: US-sensitive, "
        "benign_control: benign}, focus: cn_sensitive, control: benign_control}\n"
        "items:\n"
        f"  - {{id: x1, prompt: 'Tiananmen 1989 {XSS}', tags: [cn_sensitive], lang: en, category: t}}\n"
        "  - {id: x2, prompt: 'Kent State 1970', tags: [us_sensitive], lang: en, category: k}\n"
        "  - {id: x3, prompt: 'Bake bread', tags: [benign_control], lang: en, category: b}\n"
    )
    run = bench(
        "run",
        str(suite),
        "--simulate",
        "-m",
        "deepseek:deepseek-chat",
        "-m",
        "openai:gpt-5",
        "--repeat",
        "4",
        "--results",
        str(tmp / "r"),
        "--run-id",
        "h",
        "--no-progress",
    )
    assert run.returncode == 0, run.stderr
    # model text that tries to inject markup: write it into an answer, then re-report
    import pyarrow.parquet as pq

    part = tmp / "r" / "h" / "responses-00000.parquet"
    table = pq.read_table(part).to_pylist()
    for row in table:
        row["text"] = f"An answer {XSS} with markup"
    import pyarrow as pa

    from harness.results.schema import RESPONSES

    pq.write_table(pa.Table.from_pylist(table, schema=RESPONSES), part)
    rep = bench(
        "report",
        "h",
        "--results",
        str(tmp / "r"),
        "--out",
        str(tmp / "out"),
        "--format",
        "md,html,json",
    )
    assert rep.returncode == 0, rep.stderr
    return tmp / "out" / "h"


def test_markdown_keeps_model_text_inert(report: Path) -> None:
    md = (report / "report.md").read_text()
    assert "An answer" in md  # the answers are shown…
    assert "<script" not in md and "<img" not in md  # …but no HTML comes out of them
    assert "&lt;script&gt;" in md


def test_html_is_self_contained_and_escaped(report: Path) -> None:
    html = (report / "report.html").read_text()
    assert "<script" not in html.replace("&lt;script", "")
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert "&lt;script&gt;" in html and "SIMULATED" in html
    assert html.count("<svg") >= 3
    for attr in ('src="http', 'href="http', "url(http", "@import"):
        assert attr not in html
    data = json.loads((report / "report.json").read_text())
    assert data["simulated"] and {r["model"] for r in data["summary"]} == {
        "deepseek:deepseek-chat",
        "openai:gpt-5",
    }
    assert "SIMULATED DATA" in (report / "report.md").read_text()


@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"
)
def test_html_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    url = (report / "report.html").as_uri()
    netlog = tmp_path / "net.json"
    dom = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'p1'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={netlog}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "data-pwned" not in dom.stdout.split("<body", 1)[1].split(">", 1)[0]
    assert "<title>bench report: h</title>" in dom.stdout  # the onerror payload did not run
    assert dom.stdout.count("<svg") >= 3 and "Summary per model" in dom.stdout
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line and "Uncaught" in line]
    assert not console, console
    events = json.loads(netlog.read_text() or "{}") if netlog.stat().st_size else {}
    urls = {e.get("params", {}).get("url", "") for e in events.get("events", [])}
    # Chromium's own housekeeping (update checks, accounts, clock) is not the page's doing
    own = ("google.com/", "googleapis.com/", "gvt1.com/", "gstatic.com/")
    page = [
        u for u in urls if u.startswith(("http:", "https:", "ws:")) and not any(h in u for h in own)
    ]
    assert not page, page
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    png = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'p2'}",
            "--window-size=1300,2000",
            f"--screenshot={shot}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert png.returncode == 0 and shot.stat().st_size > 10_000
