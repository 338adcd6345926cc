"""Shapes of one sample (the batch dimension excluded), checked and printed the same way everywhere."""

from __future__ import annotations

import numbers
from typing import Any


def as_input_shape(shape: Any, owner: str, variable: bool = False, batch: bool = True) -> tuple[int | None, ...]:
    """``shape`` as a tuple of positive ints, the batch dimension excluded.

    An int is a shape of one axis; with ``batch``, a leading ``None`` (Keras's batch dimension,
    as in ``build((None, 64))``) is dropped. With ``variable``, a ``None`` after it is an axis of
    variable size (Keras's ``Input(shape=(None, 8))``, which has no batch: sequences whose length
    each batch sets). Anything else is a TypeError or ValueError naming ``owner``.

    >>> as_input_shape(64, "Input"), as_input_shape((None, 40, 25), "Input")
    ((64,), (40, 25))
    >>> as_input_shape((None, 8), "Input", variable=True, batch=False)
    (None, 8)
    """
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(
            f"{owner}: an input shape must be a tuple of positive ints (batch excluded), e.g. (64,). "
            f"Received: {shape!r}"
        )
    dims = list(shape)
    if dims and dims[0] is None and batch:
        dims = dims[1:]
    if (None in dims and not variable) or (not dims and list(shape) == [None]):
        refuse_variable_size(shape, owner)
    if not dims or any(
        d is not None and (isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1) for d in dims
    ):
        raise ValueError(
            f"{owner}: an input shape must be a non-empty tuple of positive ints (batch excluded), e.g. (64,). "
            f"Received: {tuple(shape)!r}"
        )
    return tuple(None if d is None else int(d) for d in dims)


def refuse_variable_size(shape: Any, owner: str) -> None:
    """Raise the ValueError for a None that stands for a dimension of variable size (Keras's variable length)."""
    raise ValueError(
        f"{owner}: a None in an input shape (batch excluded) is a dimension of variable size, as Keras's "
        "variable-length sequences; only an Input takes one (Input(shape=(None, 8))), for the layers that "
        f"take any length. Give the fixed size here, e.g. (200,). Received: {tuple(shape)!r}"
    )


def fits(shape: tuple, declared: tuple) -> bool:
    """Whether a concrete ``shape`` matches a ``declared`` one whose None axes take any size.

    >>> fits((7, 8), (None, 8)), fits((7, 9), (None, 8)), fits((7,), (None, 8))
    (True, False, False)
    """
    return len(shape) == len(declared) and all(d is None or s == d for s, d in zip(shape, declared))


def variable(shape: Any) -> bool:
    """Whether a shape (or a list of shapes) has an axis of variable size (None)."""
    if shape and isinstance(shape[0], (tuple, list)):
        return any(None in s for s in shape)
    return shape is not None and None in shape


def check_variable(layer: Any, shape: Any, who: str) -> None:
    """ValueError unless ``layer`` takes inputs with an axis of variable size, when ``shape`` has one."""
    if variable(shape) and not layer.takes_variable_size:
        shown = [batch_shape(s) for s in shape] if shape and isinstance(shape[0], (tuple, list)) else batch_shape(shape)
        raise ValueError(
            f"{who}: takes inputs of fixed sizes only. Received: {shown}, with an axis of variable size (None). "
            "Give it a size in Input(shape=...) (pad or cut the data to one length), or put a layer that takes any "
            "length in front (a recurrent layer, attention, GlobalAveragePooling1D)"
        )


def fixed_axis(size: Any, owner: Any, what: str, shape: Any) -> int:
    """``size`` if an int; a ValueError naming the layer when it is None (an axis of variable size)."""
    if size is None:
        raise ValueError(
            f"{owner!r}: {what} must have a fixed size (its weights depend on it). Received inputs of shape "
            f"{batch_shape(shape)}: give that axis a size in Input(shape=...)"
        )
    return int(size)


def batch_shape(shape: tuple[int, ...] | None) -> str:
    """How shapes are printed: ``(None, 40, 25)``, the batch dimension as ``None``.

    >>> batch_shape((40, 25))
    '(None, 40, 25)'
    """
    return "(?)" if shape is None else "(" + ", ".join(["None", *map(str, shape)]) + ")"
