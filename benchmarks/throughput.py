"""`bench run` against a fake OpenAI-compatible server, side by side with a plain httpx client.

The simulator runs as its own process (so it does not share bench's GIL); `bench run` runs as
a user runs it (a subprocess, real mode, base URL pointed at the simulator), then the plain
client runs against the same server. For each: wall time, CPU time (user + sys, read from the
OS by GNU time) and CPU per request, peak RSS, TTFT p50, how late the client saw the first
token against the server's own record of writing it (p50, p99), the share of requests measured
while the client's own event loop lagged past 20 ms (bench's `latency_suspect` rows; the plain
client runs the same 25 ms lag sampler), and for bench the start-up (process start to first
request) and the post-run time (last journal line to exit: Parquet, manifest, and grades with
`--grade`). The plain client is about the least a Python client can do: a semaphore, streaming
requests, one JSON parse per SSE event, nothing stored.

    .venv/bin/python benchmarks/throughput.py --jobs 2000 --concurrency 200 \
        --ttft-ms 200 --token-ms 5 --tokens 64
    .venv/bin/python benchmarks/throughput.py --jobs 5000 --concurrency 100   # zero latency

The machine is shared: compare bench with the plain client of the same run, and run it twice.
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
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
LAG_S = 0.02
"""Loop lag that makes a request's timing suspect: bench's default `--lag-threshold-ms`."""


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


async def _lag_sampler(highs: list[float]) -> None:
    """bench's loop-lag monitor, for the plain client: when the loop woke late past LAG_S."""
    while True:
        before = time.perf_counter()
        await asyncio.sleep(0.025)
        now = time.perf_counter()
        if now - before - 0.025 > LAG_S:
            highs.append(now)


async def raw_client(url: str, n: int, c: int, out: str | None = None) -> None:
    """The plain client; with `out`, each request's prompt, start, TTFT and whether the loop
    lagged during it are written there as JSON."""
    per = 16
    clients = [
        httpx.AsyncClient(limits=httpx.Limits(max_connections=per), timeout=60)
        for _ in range(-(-c // per))
    ]
    sem = asyncio.Semaphore(c)
    highs: list[float] = []
    sampler = asyncio.create_task(_lag_sampler(highs))
    seen: list[tuple[str, float, float | None, float]] = []

    async def one(i: int) -> None:
        async with sem:
            client = clients[i % len(clients)]
            prompt = f"raw {i}"
            body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": prompt}]}
            started, t0, ttft = time.time(), time.perf_counter(), None
            async with client.stream(
                "POST", url, json=body, headers={"authorization": "Bearer x"}
            ) as r:
                async for line in r.aiter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        json.loads(line[6:])
                        if ttft is None:
                            ttft = time.perf_counter() - t0
            seen.append((prompt, started, ttft, t0))

    await asyncio.gather(*(one(i) for i in range(n)))
    sampler.cancel()
    for client in clients:
        await client.aclose()
    if out:
        rows = [
            {"prompt": p, "started": s, "ttft_s": t, "suspect": any(h >= t0 for h in highs)}
            for p, s, t, t0 in seen
        ]
        Path(out).write_text(json.dumps(rows))


def _q(xs: list[float], p: float) -> float | None:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p * len(xs)))], 2) if xs else None


def timing(rows: list[dict[str, Any]], first_token: dict[str, list[float]]) -> dict[str, Any]:
    """TTFT and first-token lateness (client's clock minus the server's) of one client's rows:
    each row's prompt, start (epoch s), `ttft_s` and `suspect`."""
    late, ttfts, clean = [], [], []
    for r in rows:
        sent = first_token.get(r["prompt"])
        if r["ttft_s"] is None:
            continue
        ttfts.append(r["ttft_s"] * 1000)
        if sent:
            late.append((r["started"] + r["ttft_s"] - sent[-1]) * 1000)
            if not r["suspect"]:
                clean.append(late[-1])
    over = sum(x > LAG_S * 1000 for x in clean)
    return {
        "ttft_ms_p50": _q(ttfts, 0.5),
        "ttft_ms_p99": _q(ttfts, 0.99),
        "first_token_late_ms_p50": _q(late, 0.5),
        "first_token_late_ms_p99": _q(late, 0.99),
        "unflagged_late_ms_p99": _q(clean, 0.99),
        "unflagged_late_ms_max": _q(clean, 1.0),
        "unflagged_late_over_20ms_pct": round(100 * over / len(rows), 1) if rows else None,
        "latency_suspect_pct": round(100 * sum(bool(r["suspect"]) for r in rows) / len(rows), 1)
        if rows
        else None,
    }


def bench_rows(run_dir: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    parts = sorted(run_dir.glob("responses-*.parquet"))
    cols = ["prompt", "started_at", "ttft_s", "latency_suspect"]
    rows = [r for p in parts for r in pq.read_table(p, columns=cols).to_pylist()]
    return [
        {
            "prompt": r["prompt"],
            "started": r["started_at"].timestamp(),
            "ttft_s": r["ttft_s"],
            "suspect": r["latency_suspect"],
        }
        for r in rows
    ]


def bench_run(
    suite: Path, results: str, run_id: str, concurrency: int, bench: str | None = None
) -> list[str]:
    """`bench run` as the benchmarks time it: one model pointed at the simulator by its
    base-URL variable, concurrency not held back by the catalog's per-endpoint limit.
    `bench` is the command that runs bench (another checkout's, to compare versions)."""
    return [
        *(bench.split() if bench else [str(ROOT / ".venv" / "bin" / "bench")]),
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
    """Wall, CPU and peak RSS of one command, read by GNU time; `started`/`ended` are the
    epoch seconds around it."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        started = time.time()
        subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S %M", "-o", out.name, *cmd],
            env=env,
            check=True,
            capture_output=True,
        )
        ended = time.time()
        wall, user, sys_s, rss_kb = out.read().split()[-4:]
    return {
        "wall_s": float(wall),
        "cpu_s": round(float(user) + float(sys_s), 2),
        "peak_rss_mb": round(int(rss_kb) / 1024, 1),
        "started": started,
        "ended": ended,
    }


def _per_request(fig: dict[str, Any], jobs: int) -> dict[str, Any]:
    fig["cpu_ms_per_request"] = round(fig["cpu_s"] * 1000 / jobs, 2)
    fig["requests_per_s"] = round(jobs / fig["wall_s"], 1)
    return fig


def run_bench(args: argparse.Namespace, tmp: Path, base: str) -> dict[str, Any]:
    """`bench run` measured; its rows, manifest summary, start-up and post-run times."""
    suite = tmp / "bench.yaml"
    items = "\n".join(f'  - {{id: q{i}, prompt: "throughput item {i}"}}' for i in range(args.jobs))
    suite.write_text(f"name: throughput\nitems:\n{items}\n")
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": base}
    cmd = bench_run(suite, str(tmp), "tp", args.concurrency, args.bench)
    if args.grade:
        cmd.remove("--no-grade")
    cmd += args.bench_args
    fig = measure(cmd, env)
    run_dir = tmp / "tp"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    rows = bench_rows(run_dir)
    last_line = (run_dir / "journal.jsonl").stat().st_mtime
    fig["startup_s"] = round(min(r["started"] for r in rows) - fig["started"], 2)
    fig["post_run_s"] = round(fig["ended"] - last_line, 2)
    fig["rows"] = manifest["rows"]
    fig["max_loop_lag_ms"] = (manifest.get("summary") or {}).get("max_loop_lag_ms")
    fig["rows_data"] = rows
    return fig


def run_plain(args: argparse.Namespace, tmp: Path, base: str) -> dict[str, Any]:
    out = tmp / "raw.json"
    code = (
        f"import asyncio, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
        f"import throughput as t; asyncio.run(t.raw_client({base + '/chat/completions'!r}, "
        f"{args.jobs}, {args.concurrency}, {str(out)!r}))"
    )
    fig = measure([sys.executable, "-c", code])
    fig["rows_data"] = json.loads(out.read_text())
    return fig


ROWS = [
    ("wall s", "wall_s"),
    ("CPU s", "cpu_s"),
    ("CPU ms/request", "cpu_ms_per_request"),
    ("peak RSS MB", "peak_rss_mb"),
    ("TTFT p50 ms", "ttft_ms_p50"),
    ("first token late p50 ms", "first_token_late_ms_p50"),
    ("first token late p99 ms", "first_token_late_ms_p99"),
    ("latency_suspect %", "latency_suspect_pct"),
    ("unflagged late p99 ms", "unflagged_late_ms_p99"),
    ("unflagged late max ms", "unflagged_late_ms_max"),
    ("unflagged, late > 20 ms %", "unflagged_late_over_20ms_pct"),
    ("start-up s", "startup_s"),
    ("post-run s", "post_run_s"),
]


def table(out: dict[str, Any]) -> str:
    """bench beside the plain client, one figure a line."""
    b, r = out["bench"], out["plain_httpx"]
    lines = [f"{'':26}{'bench':>10}{'plain httpx':>13}"]
    for label, key in ROWS:
        lines.append(f"{label:26}{b.get(key, '-')!s:>10}{r.get(key, '-')!s:>13}")
    lines.append(f"{'bench / plain wall':26}{out['bench_vs_plain_wall']:>10}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--ttft-ms", type=float, default=200)
    ap.add_argument("--token-ms", type=float, default=5)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--grade", action="store_true", help="let bench grade (post-run includes it)")
    ap.add_argument("--bench", help="command that runs bench (default: this checkout's)")
    ap.add_argument(
        "--bench-arg", dest="bench_args", action="append", default=[], help="passed to bench run"
    )
    args = ap.parse_args()
    port = free_port()
    sim = start_simulator(port, args.ttft_ms, args.token_ms, args.tokens)
    base = f"http://127.0.0.1:{port}/v/openai/global"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bench = run_bench(args, Path(tmp), base)
            plain = run_plain(args, Path(tmp), base)
        stats = httpx.get(f"http://127.0.0.1:{port}/_sim/stats", timeout=30).json()
    finally:
        sim.terminate()
        sim.wait()
    out: dict[str, Any] = {k: getattr(args, k) for k in ("jobs", "concurrency", "ttft_ms")}
    out |= {"token_ms": args.token_ms, "tokens": args.tokens, "load": os.getloadavg()}
    for name, fig in (("bench", bench), ("plain_httpx", plain)):
        rows = fig.pop("rows_data")
        fig.update(timing(rows, stats["first_token"]))
        out[name] = _per_request(fig, args.jobs)
        fig.pop("started"), fig.pop("ended")
    out["bench_vs_plain_wall"] = round(bench["wall_s"] / plain["wall_s"], 2)
    print(table(out))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
