"""Poisson: the negative log-likelihood of counts under predicted rates."""

from __future__ import annotations

import numpy as np

from .base import Loss


class Poisson(Loss):
    """The Poisson loss, averaged over all ``N = m * d1 * ... * k`` outputs (Keras's ``poisson``).

    ``y_pred`` holds predicted rates ``>= 0`` of shape ``(m, d1, ..., k)`` (say from an
    exponential or `Softplus` output), ``y_true`` observed counts of the same shape.
    With ``eps`` the machine epsilon of the dtype (Keras adds its ``1e-7``)::

        J = (1/N) sum (y_pred - y_true * log(y_pred + eps))
        dJ/dy_pred = (1 - y_true / (y_pred + eps)) / N

    That is the negative log-likelihood of Poisson counts without its constant
    ``log(y_true!)``; it is smallest at ``y_pred = y_true``. A negative rate is a
    ValueError. With ``sample_weight`` ``w``: each sample's terms times ``w_s``,
    still divided by ``N``.

    Example:
        >>> import numpy as np
        >>> round(Poisson().forward(np.array([[1.0, 2.0]]), np.array([[1.0, 2.0]])), 6)   # (1 + 2 - 2 log 2) / 2
        0.806853
    """

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        if y_pred.size and y_pred.min() < 0:
            raise ValueError(
                f"{self!r} expects rates y_pred >= 0. Received: values down to {y_pred.min():.4g}. "
                "End the model in an exponential or Softplus output"
            )
        shifted = np.add(y_pred, np.finfo(y_pred.dtype).eps, out=self.buffer("shifted", y_pred.shape))
        log_rate = np.log(shifted, out=self.buffer("log_rate", y_pred.shape))
        return (self.total(y_pred) - self.total(y_true, log_rate)) / y_pred.size

    def gradient(self, out: np.ndarray) -> np.ndarray:
        np.divide(self._y_true, self.saved("shifted"), out=out)
        np.subtract(1, out, out=out)
        out /= out.size
        return out
