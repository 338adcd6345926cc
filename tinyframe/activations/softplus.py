"""Softplus: a smooth ReLU, ``log(1 + exp(z))``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Activation, apply


class Softplus(Activation):
    """``log(1 + exp(z))``, elementwise; its derivative is the sigmoid.

    Forward and backward (shapes unchanged)::

        y = max(z, 0) + log1p(exp(-|z|))           the same function, never overflowing
        dJ/dz = dJ/dy * sigmoid(z) = dJ/dy * (1 - exp(-y))

    The derivative comes from the saved output (``exp(-y) = 1 / (1 + exp(z))``),
    computed as ``-expm1(-y)``, which stays exact when ``y`` is tiny (very negative ``z``).

    Example:
        >>> import numpy as np
        >>> Softplus().build().forward(np.array([[-1e4, 0.0, 1e4]])).round(6).tolist()
        [[0.0, 0.693147, 10000.0]]
    """

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.abs(x, out=out)
        np.negative(out, out=out)
        np.exp(out, out=out)  # exp(-|z|) in (0, 1]: no overflow
        np.log1p(out, out=out)
        out += np.maximum(x, 0, out=self.buffer("relu", x.shape))
        return out

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.negative(y, out=out)
        np.expm1(out, out=out)
        np.negative(out, out=out)
        out *= grad
        return out


def softplus(x: Any) -> np.ndarray:
    """Keras's ``keras.activations.softplus``: ``log(1 + exp(x))`` on an array, as a new array (`Softplus`'s kernel).

    >>> softplus([-1e4, 0.0, 1e4]).round(6)
    array([0.00000e+00, 6.93147e-01, 1.00000e+04])
    """
    return apply(Softplus(), x)
