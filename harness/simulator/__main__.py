"""`python -m harness.simulator`: run the simulator as its own process (benchmarks, demos)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiohttp import web

from harness.simulator.behaviour import default_scenario
from harness.simulator.server import SimApp, SimConfig
from providers.catalog import load_catalog


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m harness.simulator")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--ttft-ms", type=float, default=40.0)
    ap.add_argument("--token-ms", type=float, default=2.0)
    ap.add_argument("--tokens", type=int, nargs=2, default=(20, 60), metavar=("MIN", "MAX"))
    ap.add_argument("--no-keepalive", action="store_true")
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("the simulator serves on loopback only")
    config = SimConfig(
        ttft_ms=args.ttft_ms,
        token_ms=args.token_ms,
        tokens=tuple(args.tokens),
        keepalive=not args.no_keepalive,
    )
    app = SimApp(config, default_scenario(), load_catalog()).build()
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    print(f"simulator on http://{args.host}:{args.port}", flush=True)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None, backlog=1024)


if __name__ == "__main__":
    main()
