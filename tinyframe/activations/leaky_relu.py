"""LeakyReLU: a ReLU whose negative side keeps a small slope, so no unit goes silent for good."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_float
from .base import Activation, apply


class LeakyReLU(Activation):
    """``z`` for ``z > 0``, ``alpha * z`` otherwise, elementwise.

    Forward and backward (shapes unchanged, ``(m, n)``)::

        y = max(z, alpha * z)                 (equal to the above for 0 <= alpha <= 1)
        dJ/dz = dJ/dy * (1 if z > 0 else alpha)

    The derivative at ``z = 0`` is taken as ``alpha``. ``alpha`` is limited to
    ``[0, 1]``: that is where the one-pass ``max`` form is right, and a slope above 1
    on the negative side is not a leaky ReLU. ``alpha = 0`` is `ReLU`.

    Args:
        alpha: slope for negative inputs; 0.3 by default. ``negative_slope=`` (Keras 3's
            name for it) is accepted as well.

    Example:
        >>> import numpy as np
        >>> LeakyReLU(0.1).build().forward(np.array([[-10.0, 0.0, 2.5]]))
        array([[-1. ,  0. ,  2.5]])
    """

    def __init__(self, alpha: float | None = None, *, negative_slope: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if alpha is not None and negative_slope is not None:
            raise TypeError(
                "LeakyReLU: give alpha or negative_slope, not both (they are the same slope). "
                f"Received: alpha={alpha!r}, negative_slope={negative_slope!r}"
            )
        slope = next((v for v in (alpha, negative_slope) if v is not None), 0.3)
        self.alpha = check_float(slope, "alpha", "LeakyReLU", 0.0, 1.0, low_open=False)

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.multiply(x, self.alpha, out=out)
        return np.maximum(x, out, out=out)

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.multiply(grad, self.alpha, out=out)
        np.copyto(out, grad, where=x > 0)
        return out

    def get_config(self) -> dict:
        return {"alpha": self.alpha}


def leaky_relu(x: Any, negative_slope: float = 0.2) -> np.ndarray:
    """Keras's ``keras.activations.leaky_relu``: ``max(x, negative_slope * x)``, as a new array (`LeakyReLU`'s kernel).

    The slope is 0.2 by default, as Keras's function has it (its `LeakyReLU` layer, and the name
    ``"leaky_relu"`` here, take 0.3): ``Dense(3, activation=leaky_relu)`` gets ``LeakyReLU(0.2)``.

    >>> leaky_relu([-10.0, 0.0, 2.5])
    array([-2. ,  0. ,  2.5])
    """
    return apply(LeakyReLU(negative_slope=negative_slope), x)
