"""JSON from the wire: orjson where it takes the text, the standard library where it does not.

Every streamed event is parsed once (128,000 events in a 2,000-request run), and orjson
parses one in a fraction of the standard library's time. Where orjson refuses a text the
standard library accepts (NaN, integers past 64 bits, a lone surrogate escape, deep
nesting), the standard library decides, so what any payload parses to, or which error it
raises (`ValueError`, `RecursionError`), is what it was before.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: str | bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


__all__ = ["loads"]
