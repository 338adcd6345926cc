"""Dot: the dot product of two inputs along one axis of each, per sample (Keras's batch_dot)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .base import Merge

EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest norm normalize divides by


class Dot(Merge):
    """The dot product of two inputs along ``axes``, sample by sample (Keras's ``Dot``).

    For ``x`` of shape ``(m, *a, d, *b)`` and ``y`` of shape ``(m, *c, d, *e)``, with the
    two axes of size ``d`` named by ``axes``::

        out[s, a.., b.., c.., e..] = sum_k x[s, a.., k, b..] * y[s, c.., k, e..]

    so the output is ``(m, *a, *b, *c, *e)``: ``x``'s remaining axes, then ``y``'s, or
    ``(m, 1)`` when none remain (two rows ``(m, d)`` give one number per sample). With the
    dot axis of ``x`` moved last and that of ``y`` moved first, both flattened to
    matrices ``X: (m, P, d)`` and ``Y: (m, d, Q)``, this is one batched product::

        Z      = X @ Y                    (m, P, Q)
        dJ/dX  = dJ/dZ @ Y^T              (m, P, d)
        dJ/dY  = X^T @ dJ/dZ              (m, d, Q)

    ``normalize=True`` first scales each vector along its dot axis to unit length,
    ``u = x / max(||x||, eps)`` (``eps = 1e-7``, as Keras), so the output is the cosine
    similarity; the backward then goes through that scaling::

        dJ/dx = (dJ/du - u * <dJ/du, u>) / ||x||     where ||x|| > eps
        dJ/dx = dJ/du / eps                          where ||x|| <= eps (u = x / eps is linear)

    Args:
        axes: the dot axis, counted with the batch axis as in Keras: an int for both
            inputs, or a pair ``(axis of x, axis of y)``; negative counts from the end.
            The batch axis 0 cannot be one.
        normalize: whether to l2-normalise both inputs along their dot axes first (False).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> Dot(axes=1).forward([np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0, 6.0], [7.0, 8.0]])])
        array([[17.],
               [53.]])
        >>> Dot(axes=1, normalize=True).forward([np.array([[3.0, 4.0]]), np.array([[1.0, 0.0]])])
        array([[0.6]])
        >>> Dot(axes=(1, 2)).compute_output_shape([(5, 2), (3, 5)])      # per-sample shapes, batch excluded
        (2, 3)
    """

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None  # Keras's: a product over the steps leaves no steps to mask

    min_inputs = max_inputs = 2

    def __init__(self, axes: int | tuple[int, int] | list[int], normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not _is_int(axes) and not isinstance(axes, (list, tuple)):
            raise TypeError(f"Dot: axes must be an int or a pair of ints, e.g. 1 or (1, 2). Received: axes={axes!r}")
        pair = [axes, axes] if _is_int(axes) else list(axes)
        if len(pair) != 2 or not all(_is_int(a) for a in pair):
            raise ValueError(f"Dot: axes must be an int or a pair of two ints, e.g. (1, 2). Received: axes={axes!r}")
        if 0 in pair:
            raise ValueError(
                f"Dot: axis 0 is the batch axis, which the dot product keeps; expected axes of the samples, "
                f"e.g. 1 or -1. Received: axes={axes!r}"
            )
        if not isinstance(normalize, (bool, np.bool_)):
            raise TypeError(f"Dot: normalize must be True or False. Received: normalize={normalize!r}")
        self.axes = int(axes) if _is_int(axes) else [int(a) for a in pair]
        self.normalize = bool(normalize)

    def _dot_axes(self, rank_x: int, rank_y: int) -> tuple[int, int]:
        """The dot axes (>= 1, the batch counted) of inputs of per-sample ranks ``rank_x`` and ``rank_y``."""
        if isinstance(self.axes, int):
            return self._sample_axis(self.axes, rank_x, "axes"), self._sample_axis(self.axes, rank_y, "axes")
        return self._sample_axis(self.axes[0], rank_x, "axes[0]"), self._sample_axis(self.axes[1], rank_y, "axes[1]")

    def compute_output_shape(self, input_shape: list[tuple[int, ...]]) -> tuple[int, ...]:
        x, y = self._input_shapes(input_shape)
        a, b = self._dot_axes(len(x), len(y))
        if x[a - 1] != y[b - 1]:
            raise ValueError(
                f"{self!r}: expected the two dot axes to have one size. Received: size {x[a - 1]} on axis {a} "
                f"of input shape {x} and size {y[b - 1]} on axis {b} of input shape {y}"
            )
        return (x[: a - 1] + x[a:] + y[: b - 1] + y[b:]) or (1,)

    def forward(self, inputs: list[np.ndarray], training: bool = False) -> np.ndarray:
        x, y = self._checked(inputs)
        a, b = self._dot_axes(x.ndim - 1, y.ndim - 1)
        units = None
        if self.normalize:
            units = _unit(x, a), _unit(y, b)
            x, y = units[0][0], units[1][0]
        X, Y = np.moveaxis(x, a, -1), np.moveaxis(y, b, 1)  # (m, *rest_x, d) and (m, d, *rest_y)
        m, d = X.shape[0], X.shape[-1]
        X3 = X.reshape(m, math.prod(X.shape[1:-1]), d)
        Y3 = Y.reshape(m, d, math.prod(Y.shape[2:]))
        self._saved = (X3, Y3, X.shape, Y.shape, a, b, units)  # for backward; the local is returned
        return (X3 @ Y3).reshape(m, *self.compute_output_shape([x.shape[1:], y.shape[1:]]))

    def backward(self, grad_out: np.ndarray) -> list[np.ndarray]:
        X3, Y3, X_shape, Y_shape, a, b, units = self._saved
        G = grad_out.reshape(X3.shape[0], X3.shape[1], Y3.shape[2])
        grad_x = np.moveaxis((G @ Y3.transpose(0, 2, 1)).reshape(X_shape), -1, a)
        grad_y = np.moveaxis((X3.transpose(0, 2, 1) @ G).reshape(Y_shape), 1, b)
        if units is not None:
            grad_x, grad_y = _unit_backward(grad_x, a, *units[0]), _unit_backward(grad_y, b, *units[1])
        return self._distinct([grad_x, grad_y])

    def get_config(self) -> dict[str, Any]:
        return {"axes": self.axes, "normalize": self.normalize}


def _is_int(a: Any) -> bool:
    return isinstance(a, numbers.Integral) and not isinstance(a, bool)


def _unit(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``u = x / max(||x||, eps)`` along ``axis``, the divisor, and where the norm is above ``eps``."""
    norm = np.sqrt(np.sum(x * x, axis=axis, keepdims=True))
    scale = np.maximum(norm, EPSILON)
    return x / scale, scale, norm > EPSILON


def _unit_backward(grad_u: np.ndarray, axis: int, u: np.ndarray, scale: np.ndarray, above: np.ndarray) -> np.ndarray:
    """``dJ/dx`` from ``dJ/du`` through `_unit`: off ``u``'s direction where the norm divides, plain where eps does."""
    along = np.sum(grad_u * u, axis=axis, keepdims=True) * above
    return (grad_u - u * along) / scale


def dot(inputs: list, axes: int | tuple[int, int] | list[int] = -1, normalize: bool = False, **kwargs: Any) -> Any:
    """``Dot(axes, normalize, **kwargs)(inputs)``: Keras's functional spelling (``axes=-1`` by default, as Keras's)."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
