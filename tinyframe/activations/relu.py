"""ReLU: the rectified linear unit, the default hidden activation of modern networks."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _scratch
from .base import Activation, apply


class ReLU(Activation):
    """``max(z, 0)``, elementwise.

    Forward and backward (shapes unchanged, ``(m, n)``)::

        y = max(z, 0)
        dJ/dz = dJ/dy * (z > 0)

    The derivative at ``z = 0`` is taken as 0 (the kink has no derivative; any value
    in [0, 1] is a valid subgradient). Nothing can overflow, so ``±1e4`` is exact.

    Example:
        >>> import numpy as np
        >>> ReLU().build().forward(np.array([[-1e4, 0.0, 2.5]]))
        array([[0. , 0. , 2.5]])
    """

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0, out=out)

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        positive = _scratch.buffer(self, "positive", x.shape, np.bool_)  # reused, not a new mask per step
        return np.multiply(grad, np.greater(x, 0, out=positive), out=out)


def relu(x: Any) -> np.ndarray:
    """Keras's ``keras.activations.relu``: ``max(x, 0)`` on an array, as a new array (`ReLU`'s kernel).

    ``Dense(3, activation=relu)`` gives the layer a `ReLU`.

    >>> relu([-1.0, 0.0, 2.5])
    array([0. , 0. , 2.5])
    """
    return apply(ReLU(), x)
