"""Concatenate: the inputs side by side along one axis, and the gradient cut back into their pieces."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .base import Merge


class Concatenate(Merge):
    """Joins a list of inputs along ``axis`` (Keras's ``Concatenate``).

    Forward and backward, for inputs ``x_i`` of shape ``(m, ..., k_i, ...)`` (``k_i`` on ``axis``)::

        y        = [x_1 | x_2 | ... | x_n]                  (m, ..., k_1 + ... + k_n, ...)
        dJ/dx_i  = dJ/dy[..., k_1 + ... + k_{i-1} : k_1 + ... + k_i, ...]

    Each input's values move unchanged into one slice of ``y``, so its gradient is that
    slice of ``dJ/dy``. The inputs have one rank and the same sizes on every axis but
    ``axis``; there is no broadcasting.

    Args:
        axis: the axis to join along, counted with the batch axis as in Keras (``-1``, the
            last, by default; ``1`` is the first axis of a sample). The batch axis 0 is refused.
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = Concatenate()
        >>> layer.forward([np.array([[1.0, 2.0]]), np.array([[3.0]])])
        array([[1., 2., 3.]])
        >>> layer.backward(np.array([[7.0, 8.0, 9.0]]))
        [array([[7., 8.]]), array([[9.]])]
        >>> Concatenate(axis=1).compute_output_shape([(2, 5), (3, 5)])   # per-sample shapes, batch excluded
        (5, 5)
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"Concatenate: axis must be an integer. Received: axis={axis!r}")
        if axis == 0:
            raise ValueError(
                "Concatenate: axis 0 is the batch axis, which a layer does not join along; expected an axis of "
                "the samples, e.g. -1 (the last) or 1. Received: axis=0"
            )
        self.axis = int(axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """Keras's rule: None if no input has a mask; else the masks (all True for an input without one),
        joined along ``axis`` when it is a step axis, or combined (a step kept if any input keeps it) when
        ``axis`` is the features' (the last)."""
        if not isinstance(mask, list) or all(m is None for m in mask):
            return None
        xs = [np.asarray(x) for x in inputs]
        full = [np.ones(x.shape[:-1], bool) if m is None else m for x, m in zip(xs, mask)]
        a = self._sample_axis(self.axis, xs[0].ndim - 1)
        if a == xs[0].ndim - 1:
            return np.logical_or.reduce(full)
        return np.concatenate(full, axis=a)

    def compute_output_shape(self, input_shape: list[tuple[int, ...]]) -> tuple[int, ...]:
        shapes = self._input_shapes(input_shape)
        if len({len(s) for s in shapes}) > 1:
            raise ValueError(f"{self!r}: expected inputs of one rank. Received: input shapes {shapes}")
        a = self._sample_axis(self.axis, len(shapes[0])) - 1  # the axis in a per-sample shape
        first = shapes[0]
        if any(s[:a] + s[a + 1 :] != first[:a] + first[a + 1 :] for s in shapes):
            raise ValueError(
                f"{self!r}: expected the same sizes on every axis but the concatenation axis. "
                f"Received: input shapes {shapes}"
            )
        return first[:a] + (sum(s[a] for s in shapes),) + first[a + 1 :]

    def forward(self, inputs: list[np.ndarray], training: bool = False) -> np.ndarray:
        xs = self._checked(inputs)
        a = self._sample_axis(self.axis, xs[0].ndim - 1)
        self._axis, self._ends = a, np.cumsum([x.shape[a] for x in xs])[:-1]  # for backward
        return np.concatenate(xs, axis=a)

    def backward(self, grad_out: np.ndarray) -> list[np.ndarray]:
        return self._distinct(np.split(grad_out, self._ends, axis=self._axis))  # views of grad_out, copied but one

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


def concatenate(inputs: list, axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis=axis, **kwargs)(inputs)``: Keras's functional spelling."""
    return Concatenate(axis=axis, **kwargs)(inputs)
