"""Hashed character n-grams of the answer's opening and ending windows.

Character n-grams rather than words because they work the same for Chinese (no segmenter) and
catch a decline's wording whatever the phrase lists miss. The hash is FNV-style over code
points in numpy, so the same text lands in the same bucket on every platform and Python
version (no PYTHONHASHSEED), which the shipped weights depend on.
"""

from __future__ import annotations

import math

import numpy as np

from .windows import END, OPEN, Windows

NGRAMS = (2, 3, 4)
_P = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def hash_ngrams(s: str, salt: int, bits: int) -> np.ndarray:
    if not s:
        return np.zeros(0, dtype=np.int64)
    a = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    outs = []
    shift = np.uint64(64 - bits)
    with np.errstate(over="ignore"):
        for n in NGRAMS:
            m = a.shape[0] - n + 1
            if m <= 0:
                continue
            h = np.full(m, np.uint64((salt * 1000003 + n) & 0xFFFFFFFF), dtype=np.uint64)
            for k in range(n):
                h = (h ^ a[k : k + m]) * _P
            h = h * _MIX
            outs.append((h >> shift).astype(np.int64))
    return np.concatenate(outs) if outs else np.zeros(0, dtype=np.int64)


def hashed_windows(w: Windows, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(bucket indices, values): opening and ending in separate namespaces, each scaled to
    unit length so a long window does not outvote a short one."""
    h1 = hash_ngrams(w.body[: OPEN[w.lang]], 1, bits)
    h2 = hash_ngrams(w.tail[-END[w.lang] :] if len(w.body) > OPEN[w.lang] else "", 2, bits)
    v1 = np.full(h1.shape[0], 1.0 / math.sqrt(max(h1.shape[0], 1)))
    v2 = np.full(h2.shape[0], 1.0 / math.sqrt(max(h2.shape[0], 1)))
    return np.concatenate([h1, h2]), np.concatenate([v1, v2])


__all__ = ["NGRAMS", "hash_ngrams", "hashed_windows"]
