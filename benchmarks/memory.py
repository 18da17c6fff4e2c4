"""Peak memory of `bench run` as the job count grows, against a zero-latency simulator.

    .venv/bin/python benchmarks/memory.py 10000 30000 100000

Jobs grow by repeats of a 1,000-item suite, so the suite's own size stays fixed and what the
figures show is what bench keeps per job. Nothing is kept per job once it is journaled (the
journal is on disk, Parquet is written in parts of 5,000 rows), so peak RSS should stay nearly
flat; only the set of finished job ids and the job list (small objects) grow.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import bench_run, free_port, measure, start_simulator


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 30_000, 100_000]
    port = free_port()
    sim = start_simulator(port, 0, 0, 16)
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-mem",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v/openai/global",
    }
    out = []
    try:
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                items = Path(tmp) / "items.jsonl"
                with items.open("w") as fh:
                    for i in range(1000):
                        fh.write(json.dumps({"id": f"m{i}", "prompt": f"memory item {i}"}) + "\n")
                suite = Path(tmp) / "mem.yaml"
                suite.write_text(
                    f"name: memory\nrepeat: {max(1, n // 1000)}\nitems_file: items.jsonl\n"
                )
                cmd = bench_run(suite, tmp, "mem", 100)
                figures = measure(cmd, env)
                figures.pop("started"), figures.pop("ended")
                rows = json.loads((Path(tmp) / "mem" / "manifest.json").read_text())["rows"]
                out.append(
                    {
                        "jobs": n,
                        "rows": rows,
                        **figures,
                        "requests_per_s": round(n / figures["wall_s"], 1),
                    }
                )
                print(json.dumps(out[-1]), flush=True)
    finally:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()
