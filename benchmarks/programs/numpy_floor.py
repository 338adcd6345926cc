"""The article's step as fast as we can write it in NumPy: every buffer preallocated, every kernel in place.

Not a peer a user would pick, and not in the suite by default
(``--programs tinyframe numpy_floor ...``): it answers how much of tinyframe's
time is the framework and how much the NumPy kernels it must run anyway. It runs
exactly tinyframe's kernels in tinyframe's order (the ones-vector bias gradients,
``np.divide`` for ``1/x``), with no layers, no loss object, no finite checks and
no callbacks. Mini-batches are gathered with ``X[rows]``, as the hand loop does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..workloads import LEARNING_RATE, Digits, epochs_of


def _sigmoid(z: np.ndarray, out: np.ndarray) -> None:
    np.negative(z, out=out)
    np.exp(out, out=out)
    np.add(out, 1, out=out)
    np.divide(1, out, out=out)


def digits(work: Digits) -> Callable[[int], float]:
    """``run(epochs) -> last epoch's mean loss``: train from ``work.weights`` (kept between calls)."""
    params = [w.copy() for w in work.weights]  # W1, b1, W2, b2
    grads = [np.empty_like(p) for p in params]
    scratch: dict[int, list[np.ndarray]] = {}  # per batch size: z1, h1, z2, h2, d1, d2, g1, ones

    def step(x: np.ndarray, y: np.ndarray) -> float:
        W1, b1, W2, b2 = params
        gW1, gb1, gW2, gb2 = grads
        m = x.shape[0]
        if m not in scratch:
            hidden, out = W1.shape[1], W2.shape[1]
            shapes = [(m, hidden), (m, hidden), (m, out), (m, out), (m, hidden), (m, out), (m, hidden)]
            scratch[m] = [np.empty(s, x.dtype) for s in shapes] + [np.ones(m, x.dtype)]
        z1, h1, z2, h2, d1, d2, g1, ones = scratch[m]
        np.matmul(x, W1, out=z1)
        np.add(z1, b1, out=z1)
        _sigmoid(z1, h1)
        np.matmul(h1, W2, out=z2)
        np.add(z2, b2, out=z2)
        _sigmoid(z2, h2)
        np.subtract(h2, y, out=d2)
        loss = 0.5 * float(np.vdot(d2, d2)) / m
        np.multiply(d2, 1.0 / m, out=d2)  # dJ/dh2
        np.subtract(1, h2, out=z2)
        np.multiply(z2, h2, out=z2)
        np.multiply(d2, z2, out=d2)  # delta2
        np.matmul(h1.T, d2, out=gW2)
        np.matmul(ones, d2, out=gb2)
        np.matmul(d2, W2.T, out=g1)
        np.subtract(1, h1, out=d1)
        np.multiply(d1, h1, out=d1)
        np.multiply(d1, g1, out=d1)  # delta1
        np.matmul(x.T, d1, out=gW1)
        np.matmul(ones, d1, out=gb1)
        for p, g in zip(params, grads):
            np.multiply(g, LEARNING_RATE, out=g)
            np.subtract(p, g, out=p)
        return loss

    return epochs_of(work, step)
