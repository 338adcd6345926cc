"""The article's vectorised network written by hand in NumPy: the honest floor.

Straightforward code, as one writes it from the article: every expression
allocates its temporaries, nothing is fused or preallocated. Batch-first layout
(``X @ W``, as tinyframe and Keras), the same maths as tinyframe's default path::

    z1 = X @ W1 + b1;  h1 = sigmoid(z1);  z2 = h1 @ W2 + b2;  h2 = sigmoid(z2)
    J = 1/(2m) * sum((y - h2)**2)                          the loss, every step (tinyframe reports it)
    delta2 = -(y - h2) * h2 * (1 - h2);   delta1 = (delta2 @ W2.T) * h1 * (1 - h1)
    W2 -= alpha/m * h1.T @ delta2;  b2 -= alpha/m * sum(delta2);  likewise W1, b1
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..workloads import LEARNING_RATE, Digits, epochs_of


def digits(work: Digits) -> Callable[[int], float]:
    """``run(epochs) -> last epoch's mean loss``: train from ``work.weights`` (kept between calls)."""
    W1, b1, W2, b2 = (w.copy() for w in work.weights)
    alpha = LEARNING_RATE

    def step(x: np.ndarray, y: np.ndarray) -> float:
        nonlocal W1, b1, W2, b2
        m = x.shape[0]
        z1 = x @ W1 + b1
        h1 = 1 / (1 + np.exp(-z1))
        z2 = h1 @ W2 + b2
        h2 = 1 / (1 + np.exp(-z2))
        loss = 0.5 * np.sum((y - h2) ** 2) / m
        delta2 = -(y - h2) * h2 * (1 - h2)
        delta1 = (delta2 @ W2.T) * h1 * (1 - h1)
        W2 -= alpha / m * (h1.T @ delta2)
        b2 -= alpha / m * delta2.sum(axis=0)
        W1 -= alpha / m * (x.T @ delta1)
        b1 -= alpha / m * delta1.sum(axis=0)
        return float(loss)

    return epochs_of(work, step)
