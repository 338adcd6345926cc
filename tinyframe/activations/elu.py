"""ELU and SELU: exponential linear units, smooth below zero (Clevert et al., 2016; Klambauer et al., 2017)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_float
from .base import Activation, apply


class ELU(Activation):
    """``scale * z`` for ``z > 0``, ``scale * alpha * (exp(z) - 1)`` otherwise, elementwise.

    Forward and backward (shapes unchanged)::

        y = scale * (z if z > 0 else alpha * (exp(z) - 1))
        dJ/dz = dJ/dy * (scale if z > 0 else y + scale * alpha)     (= scale * alpha * exp(z))

    ``exp`` is only taken of ``min(z, 0)`` (``expm1``, exact near 0), so nothing
    overflows; the derivative uses the saved output. At ``z = 0`` the slope taken is
    ``scale * alpha`` (Keras and PyTorch: the branch ``z > 0`` is strict).

    Args:
        alpha: the negative saturation value is ``-alpha``; 1.0 by default (Keras), > 0.

    Example:
        >>> import numpy as np
        >>> ELU().build().forward(np.array([[-1e4, 0.0, 2.0]]))
        array([[-1.,  0.,  2.]])
    """

    scale = 1.0

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = check_float(alpha, "alpha", type(self).__name__, high_open=True)

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.minimum(x, 0, out=out)
        np.expm1(out, out=out)
        out *= self.alpha
        np.copyto(out, x, where=x > 0)
        if self.scale != 1.0:
            out *= self.scale
        return out

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.add(y, self.scale * self.alpha, out=out)
        np.copyto(out, self.scale, where=x > 0)
        out *= grad
        return out

    def get_config(self) -> dict:
        return {"alpha": self.alpha}


class SELU(ELU):
    """Scaled ELU with the constants that keep activations at mean 0, variance 1 (Klambauer et al., 2017).

    ``y = scale * ELU_alpha(z)`` with ``alpha = 1.6732632423543772`` and
    ``scale = 1.0507009873554805`` (Keras's and PyTorch's constants); meant for
    ``lecun_normal`` weights. Backward as in `ELU`.

    Example:
        >>> import numpy as np
        >>> SELU().build().forward(np.array([[0.0, 1.0]]))
        array([[0.        , 1.05070099]])
    """

    scale = 1.0507009873554805

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(1.6732632423543772, **kwargs)

    def get_config(self) -> dict:
        return {}


def elu(x: Any, alpha: float = 1.0) -> np.ndarray:
    """Keras's ``keras.activations.elu``: ``x if x > 0 else alpha (exp(x) - 1)``, as a new array (`ELU`'s kernel).

    >>> elu([-1e4, 0.0, 2.0])
    array([-1.,  0.,  2.])
    """
    return apply(ELU(alpha), x)


def selu(x: Any) -> np.ndarray:
    """Keras's ``keras.activations.selu``: the scaled ELU on an array, as a new array (`SELU`'s kernel).

    >>> selu([0.0, 1.0])
    array([0.        , 1.05070099])
    """
    return apply(SELU(), x)
