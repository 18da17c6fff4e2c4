"""Printing the one-page summary to PDF with the Chromium already on the machine.

Chromium's headless `--print-to-pdf` was chosen over a Python PDF library: it renders the
same HTML, CSS and inline SVG as the browser test checks, with the system's CJK fonts, and
adds no dependency. Without a Chromium the command says so in one line, with the fix.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.errors import ConfigError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ENV = "BENCH_CHROMIUM"
"""A Chromium (or Chrome) to print with, when it is not on PATH under a usual name."""
TIMEOUT_S = 120
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
_PAGE = re.compile(rb"/Type\s*/Page\b")


def engine() -> str:
    """The Chromium to print with; a ConfigError (one line, with the fix) when there is none."""
    named = os.environ.get(ENV)
    if named:
        if shutil.which(named):
            return str(shutil.which(named))
        raise ConfigError(f"{ENV}={named}: not an executable; point it at a Chromium or Chrome")
    found = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if found is None:
        raise ConfigError(
            "--format pdf needs Chromium to print with and none was found: install it "
            f"(apt-get install chromium) or set {ENV} to a Chromium or Chrome"
        )
    return found


def pages(pdf: bytes) -> int:
    """Page objects in a PDF (Chromium writes each page's dictionary uncompressed)."""
    return len(_PAGE.findall(pdf))


def print_pdf(html: str, out: Path) -> Path:
    """`html` printed to `out` by headless Chromium; ConfigError when it cannot print."""
    browser = engine()
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        page = Path(tmp) / "summary.html"
        page.write_text(html, encoding="utf-8")
        cmd = [browser, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}"]
        try:
            done = subprocess.run(
                [*cmd, f"--print-to-pdf={out}", page.as_uri()],
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(
                f"{browser}: could not print the PDF ({exc}); check it starts"
            ) from None
    if done.returncode != 0 or not out.exists() or not out.stat().st_size:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise ConfigError(f"{browser} did not print the PDF: {tail[0]}; check it runs headless")
    return out


__all__ = ["ENV", "engine", "pages", "print_pdf"]
