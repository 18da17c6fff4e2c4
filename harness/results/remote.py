"""Results stores at an fsspec URL (s3://, gs://, az://, memory://, ...).

A run writes its journal with fsync, which object storage cannot do, so a run is staged in a
local directory and its files are uploaded whenever they are complete: the manifest when it
changes, the journal and Parquet parts at every compaction (end of run, resume, interrupt),
grades after grading. Readers on any machine download a run before reading it. Nightly jobs on
many machines can so write into one dataset that DuckDB or Spark query in place.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import fsspec

from harness.errors import ResultsError


def is_remote(root: str) -> bool:
    return "://" in root and not root.startswith("file://")


def stage_dir(url: str) -> Path:
    """Where runs of `url` are staged on this machine ($BENCH_STAGE, else ~/.cache/bench)."""
    base = os.environ.get("BENCH_STAGE") or Path.home() / ".cache" / "bench" / "stage"
    return Path(base) / hashlib.sha256(url.encode()).hexdigest()[:12]


class Remote:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        try:
            self.fs, self.root = fsspec.core.url_to_fs(self.url)
        except (ImportError, ValueError) as exc:
            raise ResultsError(
                f"--results {url}: {exc}; install the fsspec backend for it (e.g. pip install s3fs)"
            ) from None

    def _run(self, run_id: str) -> str:
        return f"{self.root}/{run_id}"

    def exists(self, run_id: str) -> bool:
        return self._guard(self.fs.exists, f"{self._run(run_id)}/manifest.json")

    def pull_manifest(self, run_id: str, local: Path) -> bool:
        """Download only the run's manifest (listing runs or reading one needs no more)."""
        if not self.exists(run_id):
            return False
        local.mkdir(parents=True, exist_ok=True)
        self._guard(self.fs.get, f"{self._run(run_id)}/manifest.json", str(local / "manifest.json"))
        return True

    def pull(self, run_id: str, local: Path) -> None:
        """Download all of a run's files (the manifest, journal and grades are replaced whole;
        Parquet parts are immutable once written)."""
        if not self.exists(run_id):
            return
        local.mkdir(parents=True, exist_ok=True)
        for path in self._guard(self.fs.ls, self._run(run_id), detail=False):
            name = path.rsplit("/", 1)[-1]
            self._guard(self.fs.get, path, str(local / name))

    def push(self, run_id: str, files: list[Path]) -> None:
        for path in files:
            if path.is_file():
                self._guard(self.fs.put, str(path), f"{self._run(run_id)}/{path.name}")

    def delete(self, run_id: str, names: list[str]) -> None:
        for name in names:
            target = f"{self._run(run_id)}/{name}"
            if self._guard(self.fs.exists, target):
                self._guard(self.fs.rm, target)

    def clear(self, run_id: str) -> None:
        if self._guard(self.fs.exists, self._run(run_id)):
            self._guard(self.fs.rm, self._run(run_id), recursive=True)

    def runs(self) -> list[str]:
        if not self._guard(self.fs.exists, self.root):
            return []
        found = self._guard(self.fs.glob, f"{self.root}/*/manifest.json")
        return sorted(p.rsplit("/", 2)[-2] for p in found)

    def _guard(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return fn(*args, **kwargs)
        except (OSError, PermissionError) as exc:
            raise ResultsError(f"--results {self.url}: {type(exc).__name__}: {exc}"[:300]) from None


__all__ = ["Remote", "is_remote", "stage_dir"]
