"""A results store at an fsspec URL: written on one machine, read on another, via S3.

The S3 server is moto's, started by the test on loopback; no network.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from .conftest import bench


@pytest.fixture
def s3() -> Iterator[dict[str, str]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    env = {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "FSSPEC_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
    }
    import s3fs

    s3fs.S3FileSystem(key="test", secret="test", endpoint_url=env["AWS_ENDPOINT_URL"]).mkdir(
        "bench-results"
    )
    yield env
    server.stop()


def test_run_on_one_machine_report_on_another(tmp_path: Path, s3: dict[str, str]) -> None:
    url = "s3://bench-results/nightly"
    writer = {**s3, "BENCH_STAGE": str(tmp_path / "machine-a")}
    run = bench(
        "run",
        "suites/identity.yaml",
        "--simulate",
        "-m",
        "deepseek:deepseek-chat",
        "--results",
        url,
        "--run-id",
        "n1",
        "--no-progress",
        env=writer,
    )
    assert run.returncode == 0, run.stderr
    import s3fs

    fs = s3fs.S3FileSystem(key="test", secret="test", endpoint_url=s3["AWS_ENDPOINT_URL"])
    names = {p.rsplit("/", 1)[1] for p in fs.ls("bench-results/nightly/n1")}
    assert {
        "manifest.json",
        "journal.jsonl",
        "responses-00000.parquet",
        "attempts-00000.parquet",
        "grades-00000.parquet",
    } <= names

    reader = {**s3, "BENCH_STAGE": str(tmp_path / "machine-b")}
    listed = bench("runs", "--results", url, env=reader)
    assert listed.returncode == 0 and "n1" in listed.stdout, listed.stderr
    # listing runs fetched each run's manifest and nothing else
    staged = {p.name for p in (tmp_path / "machine-b").rglob("*") if p.is_file()}
    assert staged == {"manifest.json"}, staged
    report = bench("report", "n1", "--results", url, "--out", str(tmp_path / "rep"), env=reader)
    assert report.returncode == 0, report.stderr
    assert "deepseek:deepseek-chat" in (tmp_path / "rep" / "n1" / "report.md").read_text()
    regrade = bench("grade", "n1", "--results", url, "--grader", "identity", env=reader)
    assert regrade.returncode == 0, regrade.stderr
    missing = bench("report", "nope", "--results", url, env=reader)
    assert missing.returncode == 2 and "no such run" in missing.stderr and "n1" in missing.stderr
