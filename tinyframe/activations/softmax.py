"""Softmax: turns the scores on the last axis into a probability distribution."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Activation, apply


class Softmax(Activation):
    """Softmax on the last axis: every row of the output is positive and sums to 1.

    Forward, for scores ``z`` of shape ``(m, k)`` (one row per sample; for higher rank
    ``(m, ..., k)`` the same holds for every position, on the last axis, as in Keras)::

        y_ij = exp(z_ij - max_j z_ij) / sum_l exp(z_il - max_j z_ij)

    Subtracting the row maximum changes nothing mathematically but keeps every
    exponent <= 0, so ``exp`` never overflows (rows of ``±1e4`` are fine; the small
    entries underflow to exactly 0, their correct limit).

    Backward: the Jacobian of row ``i`` is ``diag(y_i) - y_i y_i^T``, so::

        dJ/dz = y * (dJ/dy - sum_j(dJ/dy * y, axis=-1, keepdims=True))

    This is the *full* softmax backward, correct for any loss after it. It does not
    assume cross-entropy follows. For classification, prefer
    ``CrossEntropy(from_logits=True)`` with no Softmax layer: it fuses both into the
    gradient ``(softmax(z) - y) / m``, which is cheaper and more exact for confident
    predictions. ``Softmax`` + ``CrossEntropy(from_logits=False)`` gives the same
    gradient, except that probabilities are clipped at machine epsilon for ``log``.

    Example:
        >>> import numpy as np
        >>> Softmax().build().forward(np.array([[0.0, np.log(3.0)], [1e4, -1e4]]))
        array([[0.25, 0.75],
               [1.  , 0.  ]])
    """

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.subtract(x, x.max(axis=-1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=-1, keepdims=True)
        return out

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.multiply(grad, y, out=out)
        np.subtract(grad, out.sum(axis=-1, keepdims=True), out=out)
        out *= y
        return out


def softmax(x: Any, axis: int = -1) -> np.ndarray:
    """Keras's ``keras.activations.softmax``: the softmax along ``axis`` (the last by default), as a new array.

    `Softmax`'s kernel, on ``x`` with ``axis`` moved last; ``x`` needs at least one axis.

    >>> softmax([0.0, np.log(3.0)])
    array([0.25, 0.75])
    """
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError(f"softmax: x must have at least one axis. Received: x={x!r}")
    return np.moveaxis(apply(Softmax(), np.moveaxis(x, axis, -1)), -1, axis)
