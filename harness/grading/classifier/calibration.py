"""Calibration of the model's confidence: a temperature on the logits, then an isotonic map
from raw confidence to observed accuracy, both fitted on dev out-of-fold predictions so the
confidence reads as "how often verdicts like this are right". Training only (scipy).
"""

from __future__ import annotations

import numpy as np
import scipy.optimize


def fit_temperature(z: np.ndarray, y: np.ndarray) -> float:
    def nll(log_t: float) -> float:
        zs = z / np.exp(log_t)
        zs = zs - zs.max(1, keepdims=True)
        lp = zs - np.log(np.exp(zs).sum(1, keepdims=True))
        return -lp[np.arange(len(y)), y].mean()

    r = scipy.optimize.minimize_scalar(nll, bounds=(-3, 3), method="bounded")
    return float(np.exp(r.x))


def pav(x: list[float], y: list[float], w: list[int]) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: isotonic (non-decreasing) fit of y on sorted x."""
    out: list[list[float]] = []
    for xi, yi, wi in zip(x, y, w, strict=True):
        out.append([xi * wi, yi * wi, wi])
        while len(out) > 1 and out[-2][1] / out[-2][2] > out[-1][1] / out[-1][2]:
            a = out.pop()
            out[-1] = [out[-1][0] + a[0], out[-1][1] + a[1], out[-1][2] + a[2]]
    return [o[0] / o[2] for o in out], [o[1] / o[2] for o in out]


def fit_calibration(confs: list[float], oks: list[bool], per_bin: int = 50) -> list[list[float]]:
    """Isotonic map raw confidence → accuracy, on quantile bins of about per_bin dev rows."""
    order = np.argsort(confs)
    c = np.asarray(confs)[order]
    o = np.asarray(oks, dtype=float)[order]
    nb = max(1, len(c) // per_bin)
    xs, ys, ws = [], [], []
    for chunk_c, chunk_o in zip(np.array_split(c, nb), np.array_split(o, nb), strict=True):
        xs.append(float(chunk_c.mean()))
        ys.append(float(chunk_o.mean()))
        ws.append(len(chunk_c))
    kx, ky = pav(xs, ys, ws)
    ky = [min(max(v, 0.34), 0.995) for v in ky]
    return [[0.0, *kx, 1.0], [ky[0], *ky, ky[-1]]]


__all__ = ["fit_calibration", "fit_temperature", "pav"]
