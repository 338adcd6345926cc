"""``matmul``: NumPy's matrix product, broadcast over leading axes; its two gradients are products too.

For ``Y = A @ B`` (last two axes): ``dJ/dA = dJ/dY @ B^T`` and ``dJ/dB = A^T @ dJ/dY``, each
summed back over the axes broadcasting added (a weight ``B`` of shape ``(k, n)`` used for every
sample gets the sum over the batch). A 1-D operand is a vector, as in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Op, apply, is_operand


class MatMul(Op):
    """``y = a @ b`` (NumPy's ``matmul``), one operand possibly a constant kept by the op."""

    def __init__(self, constant: Any = None, constant_first: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.constant, self.constant_first = constant, constant_first

    def _pair(self, xs: tuple | list) -> tuple[np.ndarray, np.ndarray]:
        if len(xs) == 2:
            return xs[0], xs[1]
        constant = np.asarray(self.constant, dtype=xs[0].dtype)
        return (constant, xs[0]) if self.constant_first else (xs[0], constant)

    def compute(self, *xs: np.ndarray) -> np.ndarray:
        return np.matmul(*self._pair(xs))

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        a, b = self._pair(xs)
        a2 = a[None, :] if a.ndim == 1 else a  # vectors as matrices, as matmul reads them
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad.reshape(*grad.shape, 1) if b.ndim == 1 else grad
        g2 = g2.reshape(*g2.shape[:-2], 1, g2.shape[-1]) if a.ndim == 1 else g2
        da = np.matmul(g2, np.swapaxes(b2, -1, -2))
        db = np.matmul(np.swapaxes(a2, -1, -2), g2)
        da = da.reshape(da.shape[:-2] + (da.shape[-1],)) if a.ndim == 1 else da
        db = db.reshape(db.shape[:-1]) if b.ndim == 1 else db
        if len(xs) == 2:
            return [da, db]
        return [db if self.constant_first else da]


def matmul(x1: Any, x2: Any) -> Any:
    """``x1 @ x2`` (Keras's ``ops.matmul``): a layer's weight as an operand gets its gradient."""
    first, second = is_operand(x1), is_operand(x2)
    if first and second:
        return apply(MatMul(), [x1, x2])
    if first or second:
        constant = x2 if first else x1
        return apply(MatMul(constant=np.asarray(constant), constant_first=second), [x1 if first else x2])
    return np.matmul(x1, x2)
