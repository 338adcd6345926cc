"""Sigmoid: the article's neuron activation."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._fp import overflow_silenced
from .base import Activation, apply


class Sigmoid(Activation):
    """The logistic function, elementwise.

    Forward and backward (shapes unchanged, ``(m, n)``)::

        y = f(z) = 1 / (1 + exp(-z))
        dJ/dz = dJ/dy * f'(z) = dJ/dy * y * (1 - y)

    After a `Dense` layer and `SquaredError`, ``dJ/dz`` is the article's output
    delta ``-(y - h) * f'(z)`` (times 1/m). The derivative uses the saved output
    ``y``, never recomputing ``exp``.

    Stability: for ``z < -88`` (float32) or ``z < -709`` (float64), ``exp(-z)``
    overflows to ``inf`` and ``1 / (1 + inf)`` is exactly 0, the correct limit;
    that overflow is expected, so its warning is silenced (by the training step or
    `predict` around it, or here when the layer is used on its own).

    Example:
        >>> import numpy as np
        >>> Sigmoid().build().forward(np.array([[-1e4, 0.0, 1e4]]))
        array([[0. , 0.5, 1. ]])
    """

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.negative(x, out=out)
        if overflow_silenced():  # inside a training step or predict: silenced there already
            np.exp(out, out=out)
        else:
            with np.errstate(over="ignore"):
                np.exp(out, out=out)
        out += 1
        return np.divide(1, out, out=out)  # 1/out: np.divide is vectorised (2x faster than np.reciprocal)

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.subtract(1, y, out=out)
        out *= y
        out *= grad
        return out


def sigmoid(x: Any) -> np.ndarray:
    """Keras's ``keras.activations.sigmoid``: ``1 / (1 + exp(-x))`` on an array, as a new array (`Sigmoid`'s kernel).

    >>> sigmoid([-1e4, 0.0, 1e4])
    array([0. , 0.5, 1. ])
    """
    return apply(Sigmoid(), x)
