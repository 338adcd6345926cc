"""Elementwise merges: Add, Subtract, Multiply, Average, Maximum, Minimum, and Keras's lowercase functions."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .base import Merge


class Add(Merge):
    """``y = x_1 + x_2 + ... + x_n``, elementwise with broadcasting (Keras's ``Add``); ``dJ/dx_i = dJ/dy``.

    Inputs ``(m, *shape_i)`` of at least one array give ``(m, *broadcast(shape_1, ..., shape_n))``;
    see `Merge` for the broadcasting.

    Example:
        >>> import numpy as np
        >>> Add().forward([np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[10.0], [20.0]])])
        array([[11., 12.],
               [23., 24.]])
        >>> Add().compute_output_shape([(2, 1), (3,)])       # per-sample shapes, the batch excluded
        (2, 3)
    """

    op = np.add

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        return [grad] * len(xs)


class Subtract(Merge):
    """``y = x_1 - x_2`` for exactly two inputs (Keras's ``Subtract``); ``dJ/dx_1 = dJ/dy``, ``dJ/dx_2 = -dJ/dy``.

    The two inputs broadcast as in `Merge`.

    Example:
        >>> import numpy as np
        >>> Subtract().forward([np.array([[5.0, 1.0]]), np.array([[2.0, 3.0]])])
        array([[ 3., -2.]])
    """

    min_inputs = max_inputs = 2
    op = np.subtract

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        return [grad, -grad]


class Average(Merge):
    """``y = (x_1 + ... + x_n) / n`` (Keras's ``Average``); ``dJ/dx_i = dJ/dy / n``.

    Example:
        >>> import numpy as np
        >>> Average().forward([np.array([[1.0, 2.0]]), np.array([[3.0, 6.0]]), np.array([[5.0, 1.0]])])
        array([[3., 3.]])
    """

    op = np.add

    def forward(self, inputs: list[np.ndarray], training: bool = False) -> np.ndarray:
        y = super().forward(inputs, training)
        y /= len(inputs)  # the sum is a fresh array: it becomes the mean in place
        return y

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        return [grad / len(xs)] * len(xs)  # one array, copied for all but the first by Merge.backward


class Multiply(Merge):
    """``y = x_1 * x_2 * ... * x_n`` (Keras's ``Multiply``); ``dJ/dx_i = dJ/dy * prod_{j != i} x_j``.

    The product of the *other* inputs is computed as such, never as ``y / x_i``, so a zero
    input gets its gradient right.

    Example:
        >>> import numpy as np
        >>> Multiply().forward([np.array([[2.0, 3.0]]), np.array([[4.0, 5.0]]), np.array([[-1.0, 0.5]])])
        array([[-8. ,  7.5]])
    """

    op = np.multiply

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        return [functools.reduce(np.multiply, xs[:i] + xs[i + 1 :], grad) for i in range(len(xs))]


class _Extremum(Merge):
    """Maximum and Minimum: ``dJ/dx_i = dJ/dy`` where ``x_i`` is the output (the first such input), 0 elsewhere."""

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        taken = np.zeros(y.shape, dtype=bool)  # outputs whose gradient an earlier input took
        grads = []
        for x in xs:
            won = (x == y) & ~taken
            taken |= won
            grads.append(np.where(won, grad, 0))
        return grads


class Maximum(_Extremum):
    """``y = max(x_1, ..., x_n)`` elementwise (Keras's ``Maximum``); the gradient goes to the input that is the max.

    ``dJ/dx_i = dJ/dy`` where ``x_i`` is the maximum, 0 elsewhere. **Ties**: the first input
    (in list order) equal to the maximum takes the whole gradient, as TensorFlow's
    ``maximum`` folded from the left gives it. Where an input is NaN the output is NaN and
    no input gets a gradient.

    Example:
        >>> import numpy as np
        >>> layer = Maximum()
        >>> layer.forward([np.array([[1.0, 5.0, 2.0]]), np.array([[3.0, 4.0, 2.0]])])
        array([[3., 5., 2.]])
        >>> layer.backward(np.array([[10.0, 20.0, 30.0]]))          # the tie at 2.0 goes to the first
        [array([[ 0., 20., 30.]]), array([[10.,  0.,  0.]])]
    """

    op = np.maximum


class Minimum(_Extremum):
    """``y = min(x_1, ..., x_n)`` elementwise (Keras's ``Minimum``); the gradient goes to the input that is the min.

    Ties as `Maximum`: the first input equal to the minimum takes the gradient.

    Example:
        >>> import numpy as np
        >>> Minimum().forward([np.array([[1.0, 5.0, 2.0]]), np.array([[3.0, 4.0, 2.0]])])
        array([[1., 4., 2.]])
    """

    op = np.minimum


def add(inputs: list, **kwargs: Any) -> Any:
    """``Add(**kwargs)(inputs)``: Keras's functional spelling."""
    return Add(**kwargs)(inputs)


def subtract(inputs: list, **kwargs: Any) -> Any:
    """``Subtract(**kwargs)(inputs)``: Keras's functional spelling."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list, **kwargs: Any) -> Any:
    """``Multiply(**kwargs)(inputs)``: Keras's functional spelling."""
    return Multiply(**kwargs)(inputs)


def average(inputs: list, **kwargs: Any) -> Any:
    """``Average(**kwargs)(inputs)``: Keras's functional spelling."""
    return Average(**kwargs)(inputs)


def maximum(inputs: list, **kwargs: Any) -> Any:
    """``Maximum(**kwargs)(inputs)``: Keras's functional spelling."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: list, **kwargs: Any) -> Any:
    """``Minimum(**kwargs)(inputs)``: Keras's functional spelling."""
    return Minimum(**kwargs)(inputs)
