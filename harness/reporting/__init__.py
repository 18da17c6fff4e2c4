"""`bench report`: Markdown, one self-contained HTML file and JSON from one or more runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from harness.analysis.compare import Comparison
from harness.analysis.stats import Diff, Paired, Rate
from harness.reporting import html, markdown, pdf, summary
from harness.reporting.build import Report, build
from harness.reporting.findings import Finding
from harness.results.store import RunStore

FORMATS = ("md", "html", "json", "pdf")
DEFAULT = ("md", "html", "json")


def _plain(value: Any) -> Any:
    if isinstance(value, Rate):
        return {
            "rate": value.value,
            "k": value.k,
            "n": value.n,
            "low": value.low,
            "high": value.high,
        }
    if isinstance(value, Comparison):
        return {k: getattr(value, k) for k in value.__slots__} | {
            "diff": value.diff,
            "significant": value.significant,
        }
    if isinstance(value, Finding):
        return {k: _plain(getattr(value, k)) for k in value.__slots__}
    if isinstance(value, Paired | Diff):
        return {k: getattr(value, k) for k in value.__slots__} | {"significant": value.significant}
    if isinstance(value, pd.DataFrame):
        return [{k: _plain(v) for k, v in row.items()} for row in value.to_dict("records")]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and pd.isna(value):
        return None
    return value


def to_json(rep: Report) -> str:
    data = {
        "title": rep.title,
        "simulated": rep.simulated,
        "responses": rep.responses,
        "runs": [
            m.model_dump(
                mode="json",
                include={
                    "run_id",
                    "suite_name",
                    "suite_hash",
                    "created_at",
                    "status",
                    "rows",
                    "simulated",
                    "fx",
                },
            )
            for m in rep.manifests
        ],
        "summary": rep.summary,
        "labels": rep.labels,
        "paired": rep.paired,
        "latency": rep.latency,
        "judges": rep.judges,
        "trend": rep.trend,
        "findings": rep.findings.items,
        "finding_notes": rep.findings.notes,
        "baseline": rep.baseline,
        "layers": [
            {"family": f.family, "verdicts": f.verdicts, "reading": f.lines} for f in rep.layers
        ],
    }
    return json.dumps(_plain(data), ensure_ascii=False, indent=1, default=str)


def _charts(rep: Report, out: Path) -> None:
    """Each chart as an SVG file beside report.md, which shows them as images."""
    folder = out / markdown.CHART_DIR
    folder.mkdir(exist_ok=True)
    for name, svg in rep.charts.items():
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")


def write_report(
    stores: list[RunStore],
    out_dir: str | Path | None = None,
    formats: tuple[str, ...] = DEFAULT,
    baseline: RunStore | None = None,
    on_built: Callable[[Report], None] | None = None,
) -> Path:
    """Write the report files; `on_built` sees the report first (the CLI prints its reading)."""
    if "pdf" in formats:
        pdf.engine()  # no PDF engine: say so before the report is built
    rep = build(stores, baseline)
    if on_built is not None:
        on_built(rep)
    name = stores[0].run_id if len(stores) == 1 else f"{stores[0].run_id}+{len(stores) - 1}"
    out = Path(out_dir or "reports") / name
    out.mkdir(parents=True, exist_ok=True)
    writers = {
        "md": ("report.md", markdown.render),
        "html": ("report.html", html.render),
        "json": ("report.json", to_json),
    }
    for fmt in formats:
        if fmt == "pdf":
            pdf.print_pdf(summary.render(rep), out / "report.pdf")
            continue
        filename, render = writers[fmt]
        (out / filename).write_text(render(rep), encoding="utf-8")
        if fmt == "md":
            _charts(rep, out)
    return out


__all__ = ["DEFAULT", "FORMATS", "write_report"]
