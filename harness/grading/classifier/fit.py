"""The fit: L2-regularised multinomial logistic regression by L-BFGS, with grouped K-fold
out-of-fold logits for calibration. Training only (scipy); inference never imports this.

Folds are grouped (a question and its translation, a prompt, a gold number stay together) and
drawn from sha256 of the group key, so cross-validation neither leaks a question across folds
nor depends on a random seed.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from .splits import SETS
from .verdict import MODEL_CLASSES

CLS = {"complete": 0, "refusal": 1, "evasive": 2, "narrative": 2}
# chosen by grouped 5-fold cross-validation on dev; settings around these differed by ±0.01
HP: dict[str, Any] = dict(
    bits=17,
    lam_hash=3e-3,
    lam_dense=3e-3,
    set_weight={"china": 1.0, "ushard": 1.5, "gold": 3.0},
    class_power=0.5,
    folds=5,
)


def group_key(r: dict) -> str:
    if r["set"] == "china":
        return "q:" + r["question_id"]
    if r["set"] == "ushard":
        return "p:" + r["prompt"]
    return "g:" + r["id"].rsplit("-", 1)[1]


def fold_of(key: str, k: int) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % k


def sample_weights(rows: list[dict], hp: dict) -> np.ndarray:
    w = np.zeros(len(rows))
    for s in SETS:
        idx = [i for i, r in enumerate(rows) if r["set"] == s]
        if not idx:
            continue
        ys = np.array([CLS[rows[i]["label"]] for i in idx])
        counts = np.bincount(ys, minlength=3).astype(float)
        for j, i in enumerate(idx):
            w[i] = hp["set_weight"][s] * (len(idx) / (3 * counts[ys[j]])) ** hp["class_power"]
    return w / w.mean()


def fit(xh: sp.csr_matrix, xd: np.ndarray, y: np.ndarray, w: np.ndarray, hp: dict) -> tuple:
    """L2-regularised multinomial logistic regression; returns (W_hash, W_dense, b)."""
    n, h = xh.shape
    d, k = xd.shape[1], len(MODEL_CLASSES)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    wsum = w.sum()
    xht = xh.T.tocsr()

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            theta[: h * k].reshape(h, k),
            theta[h * k : h * k + d * k].reshape(d, k),
            theta[h * k + d * k :],
        )

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        wh, wd, b = unpack(theta)
        z = xh @ wh + xd @ wd + b
        z -= z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1))[:, None]
        loss = -(w * (logp * onehot).sum(1)).sum() / wsum
        loss += 0.5 * hp["lam_hash"] * (wh * wh).sum() + 0.5 * hp["lam_dense"] * (wd * wd).sum()
        g = (np.exp(logp) - onehot) * (w / wsum)[:, None]
        gwh = xht @ g + hp["lam_hash"] * wh
        gwd = xd.T @ g + hp["lam_dense"] * wd
        return loss, np.concatenate([gwh.ravel(), gwd.ravel(), g.sum(0)])

    res = scipy.optimize.minimize(
        loss_grad,
        np.zeros(h * k + d * k + k),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 3000, "maxfun": 6000, "ftol": 1e-10, "gtol": 1e-6},
    )
    return unpack(res.x)


def standardise(xd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu = xd.mean(0)
    sd = xd.std(0)
    sd[sd < 1e-6] = 1.0
    return mu, sd


def train_fold(
    xh: sp.csr_matrix, xd: np.ndarray, y: np.ndarray, w: np.ndarray, idx: np.ndarray
) -> tuple:
    mu, sd = standardise(xd[idx])
    wh, wd, b = fit(xh[idx], (xd[idx] - mu) / sd, y[idx], w[idx], HP)
    return wh, wd, b, mu, sd


def oof_logits(
    rows: list[dict],
    xh: sp.csr_matrix,
    xd: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    fit_mask: np.ndarray,
) -> np.ndarray:
    """Grouped K-fold out-of-fold logits for all rows (rows outside fit_mask are never fitted)."""
    folds = np.array([fold_of(group_key(r), HP["folds"]) for r in rows])
    z = np.zeros((len(rows), len(MODEL_CLASSES)))
    for k in range(HP["folds"]):
        tr = np.where((folds != k) & fit_mask)[0]
        te = np.where(folds == k)[0]
        wh, wd, b, mu, sd = train_fold(xh, xd, y, w, tr)
        z[te] = xh[te] @ wh + ((xd[te] - mu) / sd) @ wd + b
    return z


def quantise(wh: np.ndarray) -> tuple[np.ndarray, float]:
    scale = float(np.abs(wh).max() / 127.0) or 1.0
    return np.clip(np.round(wh / scale), -127, 127).astype(np.int8), scale


__all__ = [
    "CLS",
    "HP",
    "fit",
    "fold_of",
    "group_key",
    "oof_logits",
    "quantise",
    "sample_weights",
    "standardise",
    "train_fold",
]
