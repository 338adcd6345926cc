"""Input: the shape of one sample, given at the front of a model (Keras's ``Input(shape=...)``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import check_positive_int
from .base import Layer
from .node import KerasTensor, Node
from .shapes import as_input_shape


class InputLayer(Layer):
    """Marks the input of a `Sequential`: its shape (batch excluded) lets the model build at once.

    It computes nothing (forward and backward are the identity) and has no weights. A
    `Sequential` takes its shape and does not keep it among ``model.layers``, as in
    Keras, so ``model.layers[0]`` is the first layer that computes something. Only the
    first entry of a model may be one.

    Example:
        >>> from tinyframe import Sequential
        >>> from tinyframe.layers import Dense, Input
        >>> model = Sequential([Input(shape=(64,)), Dense(30)])
        >>> model.input_shape, model.output_shape, len(model.layers)
        ((64,), (30,), 1)
    """

    def __init__(self, shape: Sequence[int] | int, input_dtype: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.declared_input_shape = as_input_shape(shape, "Input", variable=True, batch=False)  # a None: any length
        self.shape = self.declared_input_shape
        self.input_dtype = None if input_dtype is None else _dtype_name(input_dtype)
        self.built = True  # nothing to build: get_weights() is [] (Keras's)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out

    def get_config(self) -> dict:
        config: dict[str, Any] = {"shape": list(self.shape)}
        if self.input_dtype is not None:
            config["input_dtype"] = self.input_dtype
        return config


def _dtype_name(dtype: Any) -> str:
    """``"int32"`` for anything NumPy reads as a dtype; a TypeError naming `Input` otherwise."""
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise TypeError(f"Input: dtype must be a NumPy dtype name such as 'int32'. Received: dtype={dtype!r}") from None


def Input(  # noqa: N802 (Keras's spelling)
    shape: Sequence[int] | int | None = None,
    name: str | None = None,
    dtype: str | None = None,
    *,
    batch_shape: Sequence[int | None] | None = None,
    batch_size: int | None = None,
) -> KerasTensor:
    """Keras's ``Input(shape=(64,))``: a symbolic input of one sample's shape (batch excluded).

    Call layers on it and give it to `tinyframe.Model` (the functional API), or put it
    first in a `Sequential` to give the model its input shape. ``name`` names the input
    (``fit(x={name: array})``). ``dtype`` is Keras's argument, checked and recorded: the
    model computes in its own dtype (``Model(..., dtype=...)``), and integer inputs reach an
    `Embedding` as indices, as Keras casts them. Keras's ``batch_shape`` (the batch first:
    ``batch_shape=(32, 10, 8)`` is ``shape=(10, 8)``) and ``batch_size`` are taken too: a model
    takes batches of any size, so the batch size is checked and not kept.

    Example:
        >>> from tinyframe.layers import Dense, Input
        >>> inputs = Input(shape=(64,))
        >>> inputs.shape, Dense(30)(inputs).shape
        ((None, 64), (None, 30))
    """
    if batch_shape is not None:
        if shape is not None:
            raise ValueError(f"Input: give shape or batch_shape, not both. Received: {shape=}, {batch_shape=}")
        if not isinstance(batch_shape, (tuple, list)) or len(batch_shape) < 2:
            raise ValueError(f"Input: batch_shape is (batch, *shape), e.g. (None, 10, 8). Received: {batch_shape=}")
        shape, batch_size = tuple(batch_shape[1:]), batch_shape[0]
    if shape is None:
        raise TypeError("Input: give the shape of one sample (batch excluded), e.g. Input(shape=(64,))")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size", "Input")
    layer = InputLayer(shape, input_dtype=dtype, name=name)
    node = Node(layer, [], False, layer.shape)
    node.output.dtype = layer.input_dtype
    layer._nodes.append(node)
    return node.output


def input_layer_of(x: Any) -> InputLayer | None:
    """The `InputLayer` behind ``x`` (an `Input` tensor or an InputLayer itself), else None."""
    if isinstance(x, KerasTensor) and x.node is not None and isinstance(x.node.layer, InputLayer):
        return x.node.layer
    return x if isinstance(x, InputLayer) else None
