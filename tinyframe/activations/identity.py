"""Identity: the linear activation, ``y = z``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Activation, apply


class Identity(Activation):
    """Passes its input through unchanged (Keras's ``"linear"``).

    Forward and backward (shapes unchanged, ``(m, n)``)::

        y = z
        dJ/dz = dJ/dy

    Useful to name the output of a regression network explicitly, or as the
    "no activation" choice in a search over activations. Both kernels copy into the
    layer's own buffer, so the output is never an alias of the caller's array.

    Example:
        >>> import numpy as np
        >>> Identity().build().forward(np.array([[-1e4, 1e4]]))
        array([[-10000.,  10000.]])
    """

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.copyto(out, x)
        return out

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.copyto(out, grad)
        return out


def linear(x: Any) -> np.ndarray:
    """Keras's ``keras.activations.linear``: ``x`` itself, as a new float array; as an activation, none at all.

    >>> linear([1, -2])
    array([ 1., -2.])
    """
    return apply(Identity(), x)
