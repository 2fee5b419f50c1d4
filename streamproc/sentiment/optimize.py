"""Multinomial logistic regression trained with L-BFGS in plain numpy.

Deterministic by construction: sparse products are `numpy.bincount` sums in a
fixed order and dot products are `numpy.sum` (no multi-threaded BLAS), so the
same data gives the same weights, and the shipped artefact can be rebuilt
byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SparseRows:
    """A CSR matrix: row ``i`` has ``values[indptr[i]:indptr[i+1]]`` at ``indices``."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    n_cols: int

    @property
    def n_rows(self) -> int:
        """Number of examples."""
        return len(self.indptr) - 1

    def row_ids(self) -> npt.NDArray[np.int64]:
        """The row of each stored value."""
        return np.repeat(np.arange(self.n_rows, dtype=np.int64), np.diff(self.indptr))


def _dot(a: Vector, b: Vector) -> float:
    return float(np.sum(a * b))


def softmax_regression(
    x: SparseRows,
    y: npt.NDArray[np.int64],
    n_classes: int,
    *,
    c: float,
    scale: Vector | None = None,
    sample_weight: Vector | None = None,
    max_iter: int = 300,
    tol: float = 1e-7,
) -> tuple[Vector, Vector]:
    """Minimises ``c * sum(cross-entropy) + |W|^2 / 2`` (scikit-learn's scaling).

    Returns the weights, shape (n_cols, n_classes), and the unpenalised bias.
    ``scale`` (n_cols, n_classes) fits on features multiplied by it and folds it
    back into the returned weights: the penalty on weight ``(j, k)`` becomes
    ``|W[j, k]|^2 / scale[j, k]^2``, so a scale below 1 regularises harder.
    ``sample_weight`` multiplies each example's cross-entropy.
    """
    rows = x.row_ids()
    n, d, k = x.n_rows, x.n_cols, n_classes
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    target = onehot if sample_weight is None else onehot * sample_weight[:, None]

    def loss_grad(theta: Vector) -> tuple[float, Vector]:
        w = theta[: d * k].reshape(d, k)
        b = theta[d * k :]
        u = w if scale is None else w * scale
        contrib = u[x.indices] * x.values[:, None]
        z: Vector = np.stack(
            [np.bincount(rows, weights=contrib[:, j], minlength=n) for j in range(k)], axis=1
        ).astype(np.float64)
        z = z + b
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -c * float(np.sum(target * logp)) + 0.5 * _dot(w.ravel(), w.ravel())
        resid = c * (np.exp(logp) - onehot)
        if sample_weight is not None:
            resid = resid * sample_weight[:, None]
        per_value = resid[rows] * x.values[:, None]
        gw: Vector = np.stack(
            [np.bincount(x.indices, weights=per_value[:, j], minlength=d) for j in range(k)],
            axis=1,
        ).astype(np.float64)
        if scale is not None:
            gw = gw * scale
        gw = gw + w
        gb = resid.sum(axis=0)
        return loss, np.concatenate([gw.ravel(), gb])

    theta = lbfgs(loss_grad, np.zeros(d * k + k), max_iter=max_iter, tol=tol)
    weights = theta[: d * k].reshape(d, k)
    return (weights if scale is None else weights * scale), theta[d * k :]


def lbfgs(
    loss_grad: Callable[[Vector], tuple[float, Vector]],
    x0: Vector,
    *,
    max_iter: int,
    tol: float,
    memory: int = 10,
) -> Vector:
    """Limited-memory BFGS with a backtracking (Armijo) line search."""
    x = x0
    f, g = loss_grad(x)
    s_hist: list[Vector] = []
    y_hist: list[Vector] = []
    for _ in range(max_iter):
        q = g.copy()
        alphas: list[tuple[float, float]] = []
        for s, yv in zip(reversed(s_hist), reversed(y_hist), strict=True):
            rho = 1.0 / _dot(yv, s)
            a = rho * _dot(s, q)
            q -= a * yv
            alphas.append((rho, a))
        if s_hist:
            gamma = _dot(s_hist[-1], y_hist[-1]) / _dot(y_hist[-1], y_hist[-1])
        else:
            gamma = 1.0 / max(1.0, float(np.sqrt(_dot(g, g))))
        r = gamma * q
        for (s, yv), (rho, a) in zip(
            zip(s_hist, y_hist, strict=True), reversed(alphas), strict=True
        ):
            r += s * (a - rho * _dot(yv, r))
        direction = -r
        slope = _dot(g, direction)
        if slope >= 0:
            direction, slope = -g, -_dot(g, g)
            s_hist, y_hist = [], []
        step = 1.0
        while True:
            x_new = x + step * direction
            f_new, g_new = loss_grad(x_new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-12:
                break
            step *= 0.5
        s_new, y_new = x_new - x, g_new - g
        if _dot(s_new, y_new) > 1e-12:
            s_hist.append(s_new)
            y_hist.append(y_new)
            if len(s_hist) > memory:
                s_hist.pop(0)
                y_hist.pop(0)
        done = abs(f - f_new) <= tol * max(1.0, abs(f_new))
        x, f, g = x_new, f_new, g_new
        if done:
            break
    return x
