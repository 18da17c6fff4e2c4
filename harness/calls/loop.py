"""The event loop model calls are made on, kept from pausing the clock it reads.

Every timing bench reports is read on this loop, so whatever stops it stops the clock of the
requests in flight (their rows are then flagged `latency_suspect`). Two things did, measured
at 200 concurrent streams on 2 cores (benchmarks/throughput.py):

- asyncio's own loop: uvloop (libuv) runs the same run in less CPU, so it is used where it is
  installed (not on Windows); without it the standard loop runs everything the same way.
- the cyclic garbage collector: a full collection walked every object the imports had made
  (pandas, pyarrow, pydantic, the catalog), pausing the loop up to ~100 ms several times a
  run. What exists when the loop starts is frozen out of collection (`gc.freeze`) for the
  loop's life, and young collections run less often, so fewer short-lived objects are
  promoted and walked again; cycles are still collected, so memory stays flat on long runs.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

YOUNG = 5_000
"""Allocations between young collections while calls run (Python's default is 700)."""


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Collector settings for the loop's life, restored after (a test process runs many)."""
    before = gc.get_threshold()
    gc.freeze()  # (no collection first: it cost 0.1 s at start-up and found ~70 objects)
    gc.set_threshold(YOUNG, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on the fastest loop available, with the collector kept quiet."""
    with quiet_gc(), asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(main)


__all__ = ["run"]
