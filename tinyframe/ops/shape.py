"""Shape ops: ``reshape``, ``transpose``, ``expand_dims``, ``squeeze``, ``concatenate``, ``stack``.

Their gradients move ``dJ/dy`` back: reshaped to the input's shape, transposed by the inverse
permutation, or cut into the concatenated pieces. Axes count the batch axis, as Keras's ops do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Op, apply, is_operand


class Reshape(Op):
    """``y = x.reshape(shape)`` (the batch axis included, ``-1`` allowed); ``dJ/dx = g.reshape(x.shape)``."""

    def __init__(self, shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shape = tuple(shape)

    def compute(self, x: np.ndarray) -> np.ndarray:
        shape = tuple(x.shape[0] if d is None else d for d in self.shape)
        return np.reshape(x, shape)

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        return [np.reshape(grad, xs[0].shape)]


class Transpose(Op):
    """``y = x.transpose(axes)``; ``dJ/dx = g.transpose(inverse(axes))``."""

    def __init__(self, axes: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axes = None if axes is None else tuple(axes)

    def compute(self, x: np.ndarray) -> np.ndarray:
        return np.transpose(x, self.axes)

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        axes = self.axes if self.axes is not None else tuple(reversed(range(grad.ndim)))
        return [np.transpose(grad, np.argsort(axes))]


class Concatenate(Op):
    """``y = concatenate(xs, axis)``; ``dJ/dx_i`` is the piece of ``g`` where ``x_i`` went."""

    def __init__(self, axis: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def compute(self, *xs: np.ndarray) -> np.ndarray:
        return np.concatenate(xs, axis=self.axis)

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        cuts = np.cumsum([x.shape[self.axis] for x in xs])[:-1]
        return np.split(grad, cuts, axis=self.axis)


class Stack(Op):
    """``y = stack(xs, axis)``; ``dJ/dx_i = g`` taken at index ``i`` of ``axis``."""

    def __init__(self, axis: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def compute(self, *xs: np.ndarray) -> np.ndarray:
        return np.stack(xs, axis=self.axis)

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        return [np.take(grad, i, axis=self.axis) for i in range(len(xs))]


def one(op: Op, x: Any) -> Any:
    """``op`` on one operand, or on a constant (then just computed)."""
    return apply(op, [x]) if is_operand(x) else op.compute(np.asarray(x))


def several(op: Op, xs: Any) -> Any:
    """``op`` on a list of operands; constants among them are refused (each piece needs its gradient's place)."""
    xs = list(xs)
    operands = [is_operand(x) for x in xs]
    if not any(operands):
        return op.compute(*(np.asarray(x) for x in xs))
    if not all(operands):
        raise TypeError(
            f"{op!r}: mix of recorded arrays and constants; wrap a constant with a layer, or keep it out of the op"
        )
    return apply(op, xs)
