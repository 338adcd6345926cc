"""MeanSquaredError: Keras's ``mse``, the mean over outputs and samples."""

from __future__ import annotations

import numpy as np

from .squared_error import SquaredError


class MeanSquaredError(SquaredError):
    """The mean of the squared differences over all ``m * k`` outputs (Keras's ``mse``).

    For ``y_pred`` and ``y_true`` of shape ``(m, k)``::

        J     = (1/(m k)) sum (y_pred - y_true)**2
        dJ/dy_pred = 2 (y_pred - y_true) / (m k)

    The article's `SquaredError` is ``(1/m) sum 1/2 (...)**2``: it sums over the
    ``k`` outputs and halves. So ``MeanSquaredError = SquaredError * 2 / k``, which
    is how it is computed here, on top of that class. For one output the two differ
    by exactly a factor 2, and so does the step a given learning rate takes.

    Example:
        >>> import numpy as np
        >>> MeanSquaredError().forward(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]]))
        2.5
    """

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        return super().value(y_pred, y_true) * 2.0 / y_pred.shape[1]

    def gradient(self, out: np.ndarray) -> np.ndarray:
        super().gradient(out)
        out *= 2.0 / out.shape[1]
        return out
