"""MeanAbsoluteError: Keras's ``mae``, robust to outliers."""

from __future__ import annotations

import numpy as np

from .base import Loss


class MeanAbsoluteError(Loss):
    """The mean of the absolute differences over all ``N = m * d1 * ... * k`` elements (Keras's ``mae``).

    For ``y_pred`` and ``y_true`` of shape ``(m, d1, ..., k)``::

        J     = (1/N) sum |y_pred - y_true|
        dJ/dy_pred = sign(y_pred - y_true) / N        (0 where they are equal)

    Every sample pulls with the same strength however far off it is, so a few
    outliers cannot dominate the fit as they do under squared error. At equality
    ``|d|`` has a kink; 0 is the subgradient used. With ``sample_weight`` ``w``:
    each sample's terms times ``w_s``, still divided by ``N``.

    Example:
        >>> import numpy as np
        >>> MeanAbsoluteError().forward(np.array([[1.0, -2.0]]), np.array([[0.0, 0.0]]))
        1.5
    """

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        diff = np.subtract(y_pred, y_true, out=self.buffer("diff", y_pred.shape))
        return self.total(np.abs(diff, out=self.buffer("abs", diff.shape))) / diff.size

    def gradient(self, out: np.ndarray) -> np.ndarray:
        np.sign(self.saved("diff"), out=out)
        out /= out.size
        return out
