"""Tanh: the zero-centred cousin of the sigmoid."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Activation, apply


class Tanh(Activation):
    """The hyperbolic tangent, elementwise.

    Forward and backward (shapes unchanged, ``(m, n)``)::

        y = tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z))
        dJ/dz = dJ/dy * (1 - y**2)

    ``np.tanh`` saturates to exactly ``±1`` without overflowing, so ``±1e4`` is safe;
    the derivative uses the saved output ``y``. ``tanh(z) = 2 sigmoid(2z) - 1``.

    Example:
        >>> import numpy as np
        >>> Tanh().build().forward(np.array([[-1e4, 0.0, 1e4]]))
        array([[-1.,  0.,  1.]])
    """

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.tanh(x, out=out)

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.square(y, out=out)
        np.subtract(1, out, out=out)
        out *= grad
        return out


def tanh(x: Any) -> np.ndarray:
    """Keras's ``keras.activations.tanh``: ``tanh(x)`` on an array, as a new array (`Tanh`'s kernel).

    >>> tanh([0.0, 1e4])
    array([0., 1.])
    """
    return apply(Tanh(), x)
