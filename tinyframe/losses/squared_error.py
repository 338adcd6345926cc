"""SquaredError: the article's cost."""

from __future__ import annotations

import numpy as np

from .base import Loss


class SquaredError(Loss):
    """Half the squared Euclidean distance per sample, averaged over the batch.

    For ``y_pred`` (the article's ``h``) and ``y_true`` (``y``) of shape ``(m, d1, ..., k)``,
    with ``||.||`` over every non-batch axis::

        J     = (1/m) * sum_i 1/2 * ||y_i - h_i||^2
        dJ/dh = (h - y) / m

    This is the article's cost. It sums over the outputs where Keras's
    `MeanSquaredError` averages over them, so the two differ by a factor ``2/n``
    (``n = d1 * ... * k``, the elements per sample). With ``sample_weight`` ``w``
    (shape ``(m,)``): ``J = (1/m) sum_i w_i 1/2 ||y_i - h_i||^2``.

    Example:
        >>> import numpy as np
        >>> SquaredError().forward(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]]))
        2.5
    """

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        diff = np.subtract(y_pred, y_true, out=self.buffer("diff", y_pred.shape))
        return 0.5 * self.total(diff, diff) / y_pred.shape[0]

    def gradient(self, out: np.ndarray) -> np.ndarray:
        return np.multiply(self.saved("diff"), 1.0 / out.shape[0], out=out)
