"""Reductions: ``sum``, ``mean``, ``max``, ``min`` over an axis (or all), with ``keepdims``; and ``softmax``.

``sum``'s gradient is ``dJ/dy`` broadcast back over the summed axes; ``mean``'s that divided by
the number of elements summed; ``max``/``min`` send it to the elements equal to the result
(shared equally between ties).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Op, apply, is_operand

_REDUCE = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min}


class Reduce(Op):
    """``y = f(x, axis, keepdims)`` for f in sum, mean, max, min."""

    def __init__(self, function: str, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> None:
        self.function, self.axis, self.keepdims = function, axis, keepdims
        super().__init__(**kwargs)

    def compute(self, x: np.ndarray) -> np.ndarray:
        return _REDUCE[self.function](x, axis=self.axis, keepdims=self.keepdims)

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        x = xs[0]
        kept = _REDUCE[self.function](x, axis=self.axis, keepdims=True)
        g = np.reshape(grad, kept.shape)
        if self.function == "sum":
            return [np.broadcast_to(g, x.shape)]
        if self.function == "mean":
            return [np.broadcast_to(g * (kept.size / x.size), x.shape)]
        hits = (x == kept).astype(x.dtype)
        return [g * hits / hits.sum(axis=self.axis, keepdims=True)]

    def __repr__(self) -> str:
        return f"ops.{self.function}(axis={self.axis!r})"


class Softmax(Op):
    """``y = exp(x - max) / sum(exp(x - max))`` along ``axis``; ``dJ/dx = y * (g - sum(g * y))``."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def compute(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        return e / e.sum(axis=self.axis, keepdims=True)

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        return [y * (grad - (grad * y).sum(axis=self.axis, keepdims=True))]


def reduce(function: str, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    axis = tuple(axis) if isinstance(axis, list) else axis
    if not is_operand(x):
        return _REDUCE[function](x, axis=axis, keepdims=keepdims)
    return apply(Reduce(function, axis, keepdims), [x])


def softmax(x: Any, axis: int = -1) -> Any:
    """Keras's ``ops.softmax``."""
    op = Softmax(axis)
    return apply(op, [x]) if is_operand(x) else op.compute(np.asarray(x))
