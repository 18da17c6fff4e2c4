"""Configured secrets, masked before anything is stored, uploaded or printed.

A server or proxy may echo the request's key in an error body (a 401 that repeats the header,
a moderation block quoting the request, an SSE error event); a base URL may carry credentials
(`https://user:pass@host`). Everything a run records passes through `Journal.write` and
`RunStore.write_manifest`, so masking there (and in the provider check's printed lines) keeps
every key value out of the journal, the Parquet derived from it, reports, `bench query` and
the console.

The secrets are the values of every catalog vendor's key variable (and of any other
`*_API_KEY` variable) set in the environment, plus the userinfo of every base URL (the
`*_BASE_URL` variables and catalog endpoints): the user, the password, `user:pass` and its
base64 form, which HTTP clients send as basic auth. Values shorter than `MIN_LENGTH`
characters are not masked: a placeholder such as `sk-x` or `none` would otherwise mangle
ordinary text, and a key that short protects nothing anyway.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

from providers import load_catalog
from providers.errors import ProviderError

MASK = "***"
MIN_LENGTH = 8


def _userinfo(url: str) -> set[str]:
    """The credential strings a URL's userinfo can appear as (raw, decoded, basic auth)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return set()
    if "@" not in parts.netloc:
        return set()
    raw = parts.netloc.rsplit("@", 1)[0]
    user, _, password = raw.partition(":")
    found = {raw, user, password, unquote(raw), unquote(user), unquote(password)}
    pair = f"{unquote(user)}:{unquote(password)}"
    found.add(base64.b64encode(pair.encode()).decode())
    return found


def strip_userinfo(url: str) -> str:
    """`https://user:pass@host/x` → `https://***@host/x`: where a request went, never how it
    authenticated."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{MASK}@{host}"))


def _catalog_names() -> tuple[set[str], set[str]]:
    """Key variables and base URLs the catalog names (a broken user catalog names none: the
    environment's `*_API_KEY` variables are still masked)."""
    try:
        vendors = load_catalog().values()
    except ProviderError:
        return set(), set()
    keys = {v.api_key_env for v in vendors}
    urls = {e.base_url for v in vendors for e in v.endpoints.values()}
    return keys, urls


def secret_values(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Every configured secret value at least MIN_LENGTH long, longest first."""
    env = os.environ if env is None else env
    key_names, urls = _catalog_names()
    key_names |= {n for n in env if n.endswith("_API_KEY")}
    values = {env[n] for n in key_names if env.get(n)}
    for url in urls | {v for n, v in env.items() if n.endswith("_BASE_URL")}:
        values |= _userinfo(url)
    return tuple(sorted((v for v in values if len(v) >= MIN_LENGTH), key=len, reverse=True))


class Redactor:
    """Masks a fixed set of secret values in text (also in their JSON-escaped form)."""

    def __init__(self, values: Iterable[str]) -> None:
        forms = set()
        for v in values:
            forms |= {v, json.dumps(v)[1:-1], json.dumps(v, ensure_ascii=False)[1:-1]}
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)


@lru_cache(maxsize=4)
def _cached(values: tuple[str, ...]) -> Redactor:
    return Redactor(values)


def redactor(env: Mapping[str, str] | None = None) -> Redactor:
    """The redactor for the environment as it is now (compiled once per set of values)."""
    return _cached(secret_values(env))


def redact(text: str) -> str:
    """`text` with every configured secret masked."""
    return redactor()(text)


__all__ = [
    "MASK",
    "MIN_LENGTH",
    "Redactor",
    "redact",
    "redactor",
    "secret_values",
    "strip_userinfo",
]
