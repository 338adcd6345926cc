"""MeanSquaredError: Keras's ``mse``, the mean over outputs and samples."""

from __future__ import annotations

import numpy as np

from .squared_error import SquaredError


class MeanSquaredError(SquaredError):
    """The mean of the squared differences over all ``N = m * d1 * ... * k`` elements (Keras's ``mse``).

    For ``y_pred`` and ``y_true`` of shape ``(m, d1, ..., k)``::

        J     = (1/N) sum (y_pred - y_true)**2
        dJ/dy_pred = 2 (y_pred - y_true) / N

    (Keras: the mean over the last axis, then over the positions; the same thing.)
    The article's `SquaredError` is ``(1/m) sum 1/2 (...)**2``: it sums over the
    ``n = N / m`` outputs of a sample and halves. So ``MeanSquaredError =
    SquaredError * 2 / n``, which is how it is computed here, on top of that class.
    For one output the two differ by exactly a factor 2, and so does the step a
    given learning rate takes. With ``sample_weight`` ``w``: each sample's terms
    times ``w_s``, still divided by ``N``.

    Example:
        >>> import numpy as np
        >>> MeanSquaredError().forward(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]]))
        2.5
    """

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        return super().value(y_pred, y_true) * (2.0 * y_pred.shape[0] / y_pred.size)

    def gradient(self, out: np.ndarray) -> np.ndarray:
        super().gradient(out)
        out *= 2.0 * out.shape[0] / out.size
        return out
