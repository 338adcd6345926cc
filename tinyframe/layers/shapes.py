"""Shapes of one sample (the batch dimension excluded), checked and printed the same way everywhere."""

from __future__ import annotations

import numbers
from typing import Any


def as_input_shape(shape: Any, owner: str) -> tuple[int, ...]:
    """``shape`` as a tuple of positive ints, the batch dimension excluded.

    An int is a shape of one axis; a leading ``None`` (Keras's batch dimension, as in
    ``(None, 64)``) is dropped. Anything else is a TypeError or ValueError naming ``owner``.

    >>> as_input_shape(64, "Input"), as_input_shape((None, 40, 25), "Input")
    ((64,), (40, 25))
    """
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(
            f"{owner}: an input shape must be a tuple of positive ints (batch excluded), e.g. (64,). "
            f"Received: {shape!r}"
        )
    dims = list(shape)
    if dims and dims[0] is None:
        dims = dims[1:]
    if None in dims or (not dims and list(shape) == [None]):
        refuse_variable_size(shape, owner)
    if not dims or any(isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1 for d in dims):
        raise ValueError(
            f"{owner}: an input shape must be a non-empty tuple of positive ints (batch excluded), e.g. (64,). "
            f"Received: {tuple(shape)!r}"
        )
    return tuple(int(d) for d in dims)


def refuse_variable_size(shape: Any, owner: str) -> None:
    """Raise the ValueError for a None that stands for a dimension of variable size (Keras's variable length)."""
    raise ValueError(
        f"{owner}: a None in an input shape (batch excluded) is a dimension of variable size, as Keras's "
        "variable-length sequences; it is not supported: give the fixed size (pad or cut the sequences to one "
        f"length), e.g. (200,). Received: {tuple(shape)!r}"
    )


def batch_shape(shape: tuple[int, ...] | None) -> str:
    """How shapes are printed: ``(None, 40, 25)``, the batch dimension as ``None``.

    >>> batch_shape((40, 25))
    '(None, 40, 25)'
    """
    return "(?)" if shape is None else "(" + ", ".join(["None", *map(str, shape)]) + ")"
