"""Requests/s that `bench run` sustains against the simulator, next to a raw httpx client.

The simulator runs as its own process (so it does not share bench's GIL); `bench run` runs as
a user runs it (a subprocess, real mode, base URL pointed at the simulator), and its wall time,
CPU time and peak RSS are read from the OS. The raw client is about the least a Python client
can do: a semaphore, streaming requests, one JSON parse per SSE event, nothing stored.

    .venv/bin/python benchmarks/throughput.py --jobs 5000 --concurrency 100
    .venv/bin/python benchmarks/throughput.py --jobs 2000 --concurrency 200 \
        --ttft-ms 200 --token-ms 5 --tokens 64
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_simulator(port: int, ttft_ms: float, token_ms: float, tokens: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness.simulator",
            "--port",
            str(port),
            "--ttft-ms",
            str(ttft_ms),
            "--token-ms",
            str(token_ms),
            "--tokens",
            str(tokens),
            str(tokens),
            "--no-keepalive",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sim/stats", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("simulator did not start")


async def raw_client(url: str, n: int, c: int) -> None:
    per = 16
    clients = [
        httpx.AsyncClient(limits=httpx.Limits(max_connections=per), timeout=60)
        for _ in range(-(-c // per))
    ]
    sem = asyncio.Semaphore(c)

    async def one(i: int) -> None:
        async with sem:
            client = clients[i % len(clients)]
            body = {
                "model": "m",
                "stream": True,
                "messages": [{"role": "user", "content": f"raw {i}"}],
            }
            async with client.stream(
                "POST", url, json=body, headers={"authorization": "Bearer x"}
            ) as r:
                async for line in r.aiter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        json.loads(line[6:])

    await asyncio.gather(*(one(i) for i in range(n)))
    for client in clients:
        await client.aclose()


def timing_accuracy(run_dir: Path, port: int) -> dict[str, float]:
    """bench's TTFT against the simulator's own record of when it wrote the first token."""
    import pyarrow.parquet as pq

    stats = httpx.get(f"http://127.0.0.1:{port}/_sim/stats", timeout=10).json()
    rows = pq.read_table(
        run_dir / "responses-00000.parquet",
        columns=["prompt", "started_at", "ttft_s", "latency_suspect"],
    ).to_pylist()
    diffs, ttfts = [], []
    for r in rows:
        sent = stats["first_token"].get(r["prompt"])
        if not sent or r["ttft_s"] is None:
            continue
        seen = r["started_at"].timestamp() + r["ttft_s"]
        diffs.append((seen - sent[-1]) * 1000)
        ttfts.append(r["ttft_s"] * 1000)
    diffs.sort()
    ttfts.sort()

    def q(xs: list[float], p: float) -> float:
        return round(xs[min(len(xs) - 1, int(p * len(xs)))], 2)

    return {
        "rows": len(diffs),
        "client_minus_server_ms_p50": q(diffs, 0.5),
        "client_minus_server_ms_p99": q(diffs, 0.99),
        "ttft_ms_p50": q(ttfts, 0.5),
        "ttft_ms_p99": q(ttfts, 0.99),
        "latency_suspect_rows": sum(bool(r["latency_suspect"]) for r in rows),
    }


def bench_run(suite: Path, results: str, run_id: str, concurrency: int) -> list[str]:
    """`bench run` as the benchmarks time it: one model pointed at the simulator by its
    base-URL variable, concurrency not held back by the catalog's per-endpoint limit."""
    return [
        str(ROOT / ".venv" / "bin" / "bench"),
        "run",
        str(suite),
        "-m",
        "openai:gpt-5",
        "--results",
        results,
        "--run-id",
        run_id,
        "--concurrency",
        str(concurrency),
        "--endpoint-concurrency",
        str(concurrency),
        "--no-progress",
        "--no-grade",
    ]


def measure(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall, CPU and peak RSS of one command, read by GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S %M", "-o", out.name, *cmd],
            env=env,
            check=True,
            capture_output=True,
        )
        wall, user, sys_s, rss_kb = out.read().split()[-4:]
    return {
        "wall_s": float(wall),
        "cpu_s": float(user) + float(sys_s),
        "peak_rss_mb": int(rss_kb) / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--ttft-ms", type=float, default=0)
    ap.add_argument("--token-ms", type=float, default=0)
    ap.add_argument("--tokens", type=int, default=64)
    args = ap.parse_args()
    port = free_port()
    sim = start_simulator(port, args.ttft_ms, args.token_ms, args.tokens)
    base = f"http://127.0.0.1:{port}/v/openai/global"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            suite = Path(tmp) / "bench.yaml"
            items = "\n".join(
                f'  - {{id: q{i}, prompt: "throughput item {i}"}}' for i in range(args.jobs)
            )
            suite.write_text(f"name: throughput\nitems:\n{items}\n")
            env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": base}
            cmd = bench_run(suite, tmp, "tp", args.concurrency)
            bench = measure(cmd, env)
            raw_code = (
                f"import asyncio, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
                f"import throughput as t; asyncio.run(t.raw_client({base + '/chat/completions'!r}, "
                f"{args.jobs}, {args.concurrency}))"
            )
            raw = measure([sys.executable, "-c", raw_code])
            manifest = json.loads((Path(tmp) / "tp" / "manifest.json").read_text())
            timing = (
                timing_accuracy(Path(tmp) / "tp", port) if args.token_ms or args.ttft_ms else None
            )
    finally:
        sim.terminate()
        sim.wait()
    out = {
        "jobs": args.jobs,
        "concurrency": args.concurrency,
        "ttft_ms": args.ttft_ms,
        "token_ms": args.token_ms,
        "tokens": args.tokens,
        "rows": manifest["rows"],
        "bench": {**bench, "requests_per_s": args.jobs / bench["wall_s"]},
        "raw_httpx": {**raw, "requests_per_s": args.jobs / raw["wall_s"]},
    }
    out["bench_vs_raw_wall"] = bench["wall_s"] / raw["wall_s"]
    out["harness_cpu_ms_per_request"] = (bench["cpu_s"] - raw["cpu_s"]) * 1000 / args.jobs
    out["summary"] = manifest.get("summary", {})
    if timing:
        out["timing"] = timing
    out["bench_vs_raw_cpu"] = bench["cpu_s"] / raw["cpu_s"]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
