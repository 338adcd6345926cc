"""Flatten and Reshape: the same numbers in a new shape, and the gradient back in the old one."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Layer


class _Reshaping(Layer):
    """A layer that only relabels axes: ``y = x.reshape(m, *out_shape)`` and ``dJ/dx = dJ/dy.reshape(x.shape)``.

    No number moves or changes, so the gradient of each input is the gradient of the
    output it became; the backward is the inverse reshape. ``forward`` keeps the shape of
    the input it saw (batch included) for ``backward``.
    """

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._x_shape = x.shape  # for backward; the local is returned (a concurrent predict may rebind this)
        return x.reshape(x.shape[0], *self.compute_output_shape(x.shape[1:]))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out.reshape(self._x_shape)


class Flatten(_Reshaping):
    """Flattens each sample into one axis (Keras's ``layers.Flatten``): ``(m, d1, ..., dk) -> (m, d1 * ... * dk)``.

    The usual bridge from a convolution's feature maps to a `Dense` layer. The order
    is NumPy's (C order, last axis fastest), as Keras's with channels last.

    Example:
        >>> import numpy as np
        >>> Flatten().forward(np.arange(12.0).reshape(2, 3, 2))
        array([[ 0.,  1.,  2.,  3.,  4.,  5.],
               [ 6.,  7.,  8.,  9., 10., 11.]])
    """

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (math.prod(input_shape),)


class Reshape(_Reshaping):
    """Gives each sample the shape ``target_shape`` (Keras's ``layers.Reshape``): ``(m, *in) -> (m, *target)``.

    ``target_shape`` excludes the batch axis; one of its entries may be -1, which
    stands for whatever size keeps the number of values (``prod(in) / prod(others)``).

    Args:
        target_shape: a tuple (or list) of positive ints, with at most one -1.

    Example:
        >>> import numpy as np
        >>> Reshape((2, -1)).forward(np.arange(12.0).reshape(2, 6)).shape
        (2, 2, 3)
        >>> Reshape((40, 1)).compute_output_shape((40,))      # a sequence of 40 steps of 1 channel
        (40, 1)
    """

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(target_shape, (tuple, list)) or not target_shape:
            raise TypeError(
                f"Reshape: target_shape must be a non-empty tuple of ints (batch excluded), e.g. (4, 10). "
                f"Received: target_shape={target_shape!r}"
            )
        dims = list(target_shape)
        integers = all(isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in dims)
        if not integers or any(d < 1 and d != -1 for d in dims) or dims.count(-1) > 1:
            raise ValueError(
                f"Reshape: target_shape must hold positive ints and at most one -1. "
                f"Received: target_shape={tuple(target_shape)!r}"
            )
        self.target_shape = tuple(int(d) for d in dims)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        size, known = math.prod(input_shape), math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape and size % known == 0:
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known == size and -1 not in self.target_shape:
            return self.target_shape
        raise ValueError(
            f"{self!r}: the input's {size} values per sample do not fill target_shape {self.target_shape}. "
            f"Received: input shape {tuple(input_shape)}"
        )

    def get_config(self) -> dict:
        return {"target_shape": list(self.target_shape)}
