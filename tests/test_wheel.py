"""bench installed as users install it: a wheel in a clean virtual environment, not `-e .`.

An editable install once hid a wheel that lacked a whole package; here the wheel is built from
a copy of the sources, installed into a fresh venv, and `bench run --simulate` + `bench
report` run from it, in a directory where the sources are not importable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from .conftest import ROOT


def _build(tmp: Path) -> Path:
    src = tmp / "src"
    for name in ("harness", "providers"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(dist), str(src)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = dist.glob("bench-*.whl")
    return wheel


def test_the_wheel_holds_every_package_and_runs(tmp_path: Path) -> None:
    wheel = _build(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in (ROOT / "harness", ROOT / "providers"):
        for init in package.rglob("__init__.py"):
            assert str(init.relative_to(ROOT)) in names, f"wheel lacks {init.parent.name}"
    for data in [*ROOT.glob("harness/**/*.yaml"), *ROOT.glob("providers/**/*.yaml")]:
        assert str(data.relative_to(ROOT)) in names, f"wheel lacks {data}"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    # the dependencies come from the dev venv's site-packages, on PYTHONPATH, where .pth files
    # (the editable install's path hook among them) are not read
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))} | {
        "PYTHONPATH": sysconfig.get_paths()["purelib"],
        "BENCH_RESULTS": str(tmp_path / "r"),
    }
    work = tmp_path / "work"
    work.mkdir()
    where = subprocess.run([str(py), "-c", "import harness; print(harness.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)  # fmt: skip
    assert where.stdout.startswith(str(venv)), where.stdout
    bench = [str(venv / "bin" / "bench")]
    suite = str(ROOT / "suites" / "censorship.yaml")
    run = subprocess.run([*bench, "run", suite, "--simulate", "-m", "deepseek:deepseek-chat",
                          "--run-id", "w", "--no-progress"],
                         cwd=work, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    rep = subprocess.run([*bench, "report", "w", "--out", str(tmp_path / "out")],
                         cwd=work, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert rep.returncode == 0, rep.stderr
    assert (tmp_path / "out" / "w" / "report.html").stat().st_size > 10_000
