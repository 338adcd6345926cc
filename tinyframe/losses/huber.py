"""Huber: squared error near the target, absolute error far from it."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_float
from .base import Loss


class Huber(Loss):
    """The Huber loss, averaged over all ``N = m * d1 * ... * k`` elements (Keras's ``huber``).

    For ``y_pred`` and ``y_true`` of shape ``(m, d1, ..., k)``, ``d = y_pred - y_true``::

        h(d)  = d**2 / 2                      if |d| <= delta
              = delta * (|d| - delta / 2)     otherwise
        J     = (1/N) sum h(d)
        dJ/dy_pred = clip(d, -delta, delta) / N

    Quadratic (like `MeanSquaredError`, halved) for small errors, linear (like
    `MeanAbsoluteError`, times ``delta``) for large ones: outliers pull with a
    bounded force, and the gradient is continuous. Both pieces are one product
    here, ``h = c (2 |d| - c) / 2`` with ``c = min(|d|, delta)``. With
    ``sample_weight`` ``w``: each sample's terms times ``w_s``, still divided by ``N``.

    Args:
        delta: where the loss turns from quadratic to linear, ``> 0``; 1.0 by default.

    Example:
        >>> import numpy as np
        >>> Huber().forward(np.array([[0.5, 3.0]]), np.array([[0.0, 0.0]]))   # (0.125 + 2.5) / 2
        1.3125
    """

    def __init__(self, delta: float = 1.0) -> None:
        super().__init__()
        self.delta = check_float(delta, "delta", "Huber")

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        d = np.subtract(y_pred, y_true, out=self.buffer("diff", y_pred.shape))
        a = np.abs(d, out=self.buffer("abs", d.shape))
        c = np.minimum(a, self.delta, out=self.buffer("terms", d.shape))
        a *= 2
        a -= c
        c *= a  # 2 h = c (2 |d| - c)
        return 0.5 * self.total(c) / d.size

    def gradient(self, out: np.ndarray) -> np.ndarray:
        np.clip(self.saved("diff"), -self.delta, self.delta, out=out)
        out /= out.size
        return out

    def get_config(self) -> dict[str, Any]:
        return {"delta": self.delta}
