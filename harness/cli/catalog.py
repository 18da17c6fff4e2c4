"""`bench providers`, `bench prices`, `bench simulate`: the vendor catalog and its stand-in."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from harness.cli import show
from harness.cli.options import TableFormat, out
from harness.errors import ConfigError
from providers import load_catalog
from providers.catalog import Vendor

if TYPE_CHECKING:
    import pandas as pd


def _row(v: Vendor) -> dict[str, Any]:
    return {
        "vendor": v.id,
        "name": v.name,
        "hq": v.hq,
        "protocol": v.protocol,
        "endpoints": {
            k: {"base_url": e.base_url, "region": e.region, "protocol": e.protocol or v.protocol}
            for k, e in v.endpoints.items()
        },
        "default_endpoint": v.default_endpoint,
        "key_env": v.api_key_env,
        "key_set": v.key_is_set(),
        "key_required": v.key_required,
        "base_url_env": v.base_url_env,
    }


def providers(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Send one tiny request per vendor whose key is set (spends tokens)."
        ),
    ] = False,
    vendor: Annotated[
        list[str] | None, typer.Option("--vendor", help="Only these vendors.")
    ] = None,
    governance: Annotated[
        bool,
        typer.Option(
            "--governance",
            help="Where each endpoint's data goes: jurisdiction, region, training, retention.",
        ),
    ] = False,
    families: Annotated[
        bool,
        typer.Option(
            "--families", help="Model families (open weights) and the hosts that serve them."
        ),
    ] = False,
    fmt: TableFormat = "table",
) -> None:
    """Every catalog vendor: HQ, endpoints, protocol, key variable and whether it is set."""
    if families:
        show.frame(_families(), fmt)
        return
    catalog = _only(load_catalog(), vendor)
    if check:
        _probe(list(catalog.values()))
        return
    if governance:
        show.frame(_governance(list(catalog.values())), fmt)
        return
    rows = [_row(v) for v in catalog.values()]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title="bench vendor catalog")
    for col in ("vendor", "HQ", "protocol", "endpoints (region)", "key env", "key"):
        table.add_column(col)
    for r in rows:
        eps = "\n".join(
            f"{k}{'*' if k == r['default_endpoint'] else ''}: {e['base_url']} ({e['region']})"
            for k, e in r["endpoints"].items()
        )
        key = "set" if r["key_set"] else ("not set" if r["key_required"] else "optional")
        table.add_row(r["vendor"], r["hq"], r["protocol"], eps, r["key_env"], key)
    out.print(table)
    out.print(
        "* default endpoint; pick another with vendor@endpoint:model. Override a base URL "
        "with <PREFIX>_BASE_URL, PREFIX being the key variable's (FOO_API_KEY → FOO_BASE_URL)."
    )


def _governance(vendors: list[Vendor]) -> pd.DataFrame:
    """One row per endpoint: the facts a data policy is checked against, with their source."""
    import pandas as pd

    rows = []
    for v in vendors:
        for endpoint in v.endpoints:
            g = v.governance_of(endpoint)
            rows.append(
                {
                    "endpoint": f"{v.id}@{endpoint}",
                    "hq": v.hq,
                    "jurisdiction": g.jurisdiction,
                    "processing_region": g.processing_region,
                    "training": str(g.training).lower(),
                    "retention_days": str(g.retention_days),
                    "zero_retention": str(g.zero_retention).lower(),
                    "operator": g.operator,
                    "checked": g.checked or "",
                    "source": g.terms[0] if g.terms else "",
                }
            )
    return pd.DataFrame(rows)


def _only(catalog: dict[str, Vendor], vendor: list[str] | None) -> dict[str, Vendor]:
    if not vendor:
        return catalog
    unknown = sorted(set(vendor) - set(catalog))
    if unknown:
        raise ConfigError(f"unknown vendor {unknown[0]!r}; use one of {', '.join(catalog)}")
    return {k: v for k, v in catalog.items() if k in vendor}


def _families() -> pd.DataFrame:
    """One row per family × model ref: which host serves the weights under which name, and
    whether `bench run --family` can reach it now."""
    import pandas as pd

    from harness.execute.hosts import reachable
    from providers.families import host_kind, load_families

    catalog = load_catalog()
    rows = []
    for f in load_families().values():
        for host, ref in f.refs():
            why = reachable(ref, catalog, os.environ)
            rows.append(
                {
                    "family": f.id,
                    "weights": f.name,
                    "host": host,
                    "kind": host_kind(host, ref, catalog),
                    "model": ref,
                    "reachable": "yes" if why is None else f"no: {why}",
                }
            )
    return pd.DataFrame(rows)


def _probe(vendors: list[Vendor]) -> None:
    from harness.calls.probe import probe_vendors  # (only when asked: it calls vendors)

    results = probe_vendors(vendors)
    skipped = [v.id for v in vendors if not (v.check_model and v.key_is_set())]
    for r in results:
        mark = "ok  " if r.ok else "FAIL"
        out.print(f"{mark} {r.ref}: {r.summary}", markup=False, highlight=False, soft_wrap=True)
    if skipped:
        out.print(f"skipped (no key set or no check model): {', '.join(skipped)}")
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def prices(
    refs: Annotated[
        list[str] | None, typer.Argument(help="vendor:model refs (default: every catalog price).")
    ] = None,
) -> None:
    """Unit prices per million tokens, with their source and the date they were checked."""
    from harness.pricing.table import price_rows

    table = Table(title="bench prices (per million tokens, in the billing currency)")
    heads = (
        "model",
        "currency",
        "input",
        "cached input",
        "output",
        "reasoning",
        "tiers",
        "off-peak",
        "source",
        "checked",
    )
    for col in heads:
        table.add_column(col)
    for row in price_rows(refs or []):
        table.add_row(*row)
    out.print(table)


def simulate(
    port: Annotated[int, typer.Option(help="Loopback port to serve on.")] = 8765,
    ttft_ms: Annotated[float, typer.Option(help="Delay before the first token.")] = 40.0,
    token_ms: Annotated[float, typer.Option(help="Delay between tokens.")] = 2.0,
) -> None:
    """Serve the simulator on loopback: /v/<vendor>/<endpoint>/chat/completions."""
    from harness.simulator import SimConfig, Simulator

    sim = Simulator(SimConfig(ttft_ms=ttft_ms, token_ms=token_ms), port=port)
    try:
        url = sim.start()
    except OSError as exc:
        raise ConfigError(
            f"cannot serve on 127.0.0.1:{port} ({exc.strerror or exc}); pick another with --port"
        ) from None
    vendor = next(iter(load_catalog().values()))
    out.print(
        f"simulator on {url}; point a vendor at it with "
        f"{vendor.base_url_env}={url}/v/{vendor.id}/{vendor.default_endpoint}  (Ctrl-C stops)"
    )
    try:
        sim._thread.join()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        sim.stop()


def register(app: typer.Typer) -> None:
    for command in (providers, prices, simulate):
        app.command()(command)


__all__ = ["register"]
