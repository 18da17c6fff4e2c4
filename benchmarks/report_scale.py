"""Building the report from 1,000,000 response rows: time and peak memory.

    .venv/bin/python benchmarks/report_scale.py [rows]

Writes a synthetic run (10 models, EN/ZH, three sensitivities, graded) straight as Parquet
parts, then times `bench report` on it as a user runs it.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from throughput import ROOT, measure

from harness.results.manifest import FxInfo, Manifest
from harness.results.schema import GRADES, RESPONSES, SCHEMA_VERSION

PART = 100_000


def synth(run_dir: Path, rows: int) -> None:
    rng = np.random.default_rng(3)
    models = [f"vendor{i}:model-{i}" for i in range(10)]
    sens = np.array(["cn_sensitive", "us_sensitive", "benign_control"])
    outcomes = np.array(["ok", "ok", "ok", "ok", "api_block", "withdrawn", "truncated", "error"])
    labels = np.array(["complete", "refusal", "evasive", "narrative"])
    for part, start in enumerate(range(0, rows, PART)):
        n = min(PART, rows - start)
        idx = np.arange(start, start + n)
        model = np.array(models)[idx % 10]
        item = idx // 10
        s = sens[item % 3]
        out = outcomes[rng.integers(0, len(outcomes), n)]
        cols = {
            "run_id": ["big"] * n,
            "job_id": [f"j{i}" for i in idx],
            "case_id": [f"c{i % 3000}" for i in item],
            "repeat": (item // 3000).tolist(),
            "model": model.tolist(),
            "vendor": [m.split(":")[0] for m in model],
            "endpoint": ["global"] * n,
            "region": ["global"] * n,
            "hq": np.where(idx % 10 < 5, "CN", "US").tolist(),
            "protocol": ["openai_chat"] * n,
            "lang": np.where(item % 2 == 0, "en", "zh").tolist(),
            "category": [f"topic{i % 12}" for i in item],
            "tags": [[x] for x in s],
            "prompt": ["p"] * n,
            "text": ["an answer"] * n,
            "outcome": out.tolist(),
            "input_tokens": rng.integers(10, 200, n).tolist(),
            "output_tokens": rng.integers(10, 500, n).tolist(),
            "ttft_s": rng.gamma(2.0, 0.2, n).tolist(),
            "e2e_s": rng.gamma(4.0, 0.5, n).tolist(),
            "output_tps": rng.normal(60, 10, n).tolist(),
            "chars_per_s": rng.normal(200, 30, n).tolist(),
            "cost_usd": rng.uniform(1e-5, 1e-3, n).tolist(),
            "cost_original": rng.uniform(1e-5, 1e-3, n).tolist(),
            "price_input": [1.0] * n,
            "price_output": [4.0] * n,
            "price_currency": ["USD"] * n,
            "attempts": [1] * n,
            "simulated": [True] * n,
            "cached": [False] * n,
            "latency_suspect": [False] * n,
        }
        table = pa.table(
            {f.name: pa.array(cols.get(f.name, [None] * n), type=f.type) for f in RESPONSES},
            schema=RESPONSES,
        )
        pq.write_table(table, run_dir / f"responses-{part:05d}.parquet")
        grades = {
            "run_id": ["big"] * n,
            "job_id": cols["job_id"],
            "case_id": cols["case_id"],
            "model": cols["model"],
            "grader": ["refusal"] * n,
            "grader_version": ["x"] * n,
            "label": np.where(out == "ok", labels[rng.integers(0, 4, n)], out).tolist(),
        }
        pq.write_table(
            pa.table(
                {f.name: pa.array(grades.get(f.name, [None] * n), type=f.type) for f in GRADES},
                schema=GRADES,
            ),
            run_dir / f"grades-{part:05d}.parquet",
        )
    manifest = Manifest(
        run_id="big",
        schema_version=SCHEMA_VERSION,
        created_at="2026-11-27T00:00:00+00:00",
        suite_name="synthetic",
        suite_hash="0",
        suite={"name": "synthetic"},
        models=models,
        repeat=1,
        jobs=rows,
        rows=rows,
        status="finished",
        simulated=True,
        fx=FxInfo(cny_per_usd=7.25, source="synthetic"),
    )
    (run_dir / "manifest.json").write_text(manifest.model_dump_json())


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "big"
        run_dir.mkdir()
        t0 = time.perf_counter()
        synth(run_dir, rows)
        made = time.perf_counter() - t0
        cmd = [
            str(ROOT / ".venv" / "bin" / "bench"),
            "report",
            "big",
            "--results",
            tmp,
            "--out",
            tmp,
            "--format",
            "md,html,json",
        ]
        figures = measure(cmd)
        size = {p.name: p.stat().st_size for p in (Path(tmp) / "big").glob("report.*")}
    print(
        json.dumps(
            {"rows": rows, "synth_s": round(made, 1), **figures, "report_bytes": size}, indent=1
        )
    )


if __name__ == "__main__":
    main()
