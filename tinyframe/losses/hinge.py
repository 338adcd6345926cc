"""Hinge: the margin loss of support-vector machines, for labels -1/1 (or 0/1)."""

from __future__ import annotations

import numpy as np

from .base import Loss


class Hinge(Loss):
    """The hinge loss, averaged over all ``N = m * d1 * ... * k`` outputs (Keras's ``hinge``).

    ``y_pred`` holds raw scores of shape ``(m, d1, ..., k)`` (no squashing layer) and
    ``y_true`` labels of the same shape, ``-1`` or ``1``. As in Keras, labels that
    are all 0 or 1 (the whole batch) are first converted to ``t = 2 y - 1``;
    otherwise ``t = y``::

        J = (1/N) sum max(1 - t * y_pred, 0)
        dJ/dy_pred = -t / N  where 1 - t * y_pred > 0, else 0

    An output on the right side of the margin (``t * y_pred >= 1``) costs nothing
    and gets no gradient. At the hinge (``t * y_pred = 1``) 0 is the subgradient.
    With ``sample_weight`` ``w``: each sample's terms times ``w_s``, still divided by ``N``.

    Example:
        >>> import numpy as np
        >>> Hinge().forward(np.array([[0.5], [2.0], [0.5]]), np.array([[1.0], [1.0], [0.0]]))   # (0.5+0+1.5)/3
        0.6666666666666666
    """

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        t = self.buffer("signs", y_pred.shape)
        if np.all((y_true == 0) | (y_true == 1)):
            np.multiply(y_true, 2, out=t)
            t -= 1
        else:
            np.copyto(t, y_true)
        margin = np.multiply(t, y_pred, out=self.buffer("margin", y_pred.shape))
        np.subtract(1, margin, out=margin)
        return self.total(np.maximum(margin, 0, out=self.buffer("terms", y_pred.shape))) / y_pred.size

    def gradient(self, out: np.ndarray) -> np.ndarray:
        np.divide(self.saved("signs"), -out.size, out=out)
        np.copyto(out, 0, where=self.saved("margin") <= 0)
        return out
