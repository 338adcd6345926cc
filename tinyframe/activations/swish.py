"""Swish (SiLU): the input gated by its own sigmoid (Ramachandran et al., 2017)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Activation, apply
from .sigmoid import Sigmoid


class Swish(Activation):
    """``z * sigmoid(z)``, elementwise (Keras's ``silu``/``swish``, PyTorch's ``SiLU``).

    Forward and backward (shapes unchanged)::

        s = sigmoid(z)            y = z * s
        dJ/dz = dJ/dy * (s + z * s * (1 - s)) = dJ/dy * s * (1 + z * (1 - s))

    The sigmoid is `Sigmoid`'s overflow-safe kernel; forward keeps ``s`` for backward,
    so no ``exp`` is taken twice. ``z = -1e4`` gives exactly 0, ``1e4`` gives ``1e4``.

    Example:
        >>> import numpy as np
        >>> Swish().build().forward(np.array([[-1e4, 0.0, 1e4]]))
        array([[   -0.,     0., 10000.]])
    """

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        s = Sigmoid.function(self, x, self.buffer("s", x.shape))
        self._s = s  # for backward (this step's; fit owns the layer meanwhile)
        return np.multiply(x, s, out=out)

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        s = self._s
        np.subtract(1, s, out=out)
        out *= x
        out += 1
        out *= s
        out *= grad
        return out


def silu(x: Any) -> np.ndarray:
    """Keras's ``keras.activations.silu`` (and ``swish``, the same function): ``x * sigmoid(x)``, as a new array.

    `Swish`'s kernel.

    >>> silu([-1e4, 0.0, 1e4])
    array([   -0.,     0., 10000.])
    """
    return apply(Swish(), x)


swish = silu  # Keras's other name for it (keras.activations.swish is keras.activations.silu)
