"""Lambda: Keras's layer that wraps a function of `tinyframe.ops` (a composite layer whose call is the function)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import Layer


class Lambda(Layer):
    """``Lambda(function)``: ``y = function(x)``, where ``function`` composes `tinyframe.ops` (and layers).

    It is a composite layer (its ``call`` is ``function``): the ops it runs are recorded in
    a subclassed model's call, or become nodes of a functional graph, each with its own
    backward, so the model trains through it. A function that computes with plain NumPy
    instead gives arrays no op recorded, which the next layer refuses, saying so. A file
    cannot hold a function, so a model with a Lambda cannot be saved (get_weights works).

    Example:
        >>> import numpy as np
        >>> from tinyframe import Input, Model, ops
        >>> x = Input(shape=(3,))
        >>> norm = Lambda(lambda v: ops.sqrt(ops.sum(ops.square(v), axis=1, keepdims=True)))(x)
        >>> Model(x, norm).predict(np.array([[3.0, 4.0, 0.0]]))
        array([[5.]], dtype=float32)
    """

    def __init__(self, function: Callable[..., Any], output_shape: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable. Received: {function!r}")
        self.function = function

    def call(self, inputs: Any) -> Any:
        return self.function(inputs)
