"""Keras's ``keras.models``: `Sequential`, `load_model` and `clone_model`, where Keras code looks for them."""

from __future__ import annotations

from typing import Any

from .model import Sequential
from .saving import load_model

__all__ = ["Sequential", "load_model", "clone_model"]


def clone_model(model: Sequential, seed: Any = None) -> Sequential:
    """A new model with ``model``'s layers and shapes and new weights (Keras's ``clone_model``).

    ``Sequential.from_config(model.get_config(), seed=seed)``: not compiled, nothing shared
    with ``model``. Copy the weights with ``clone.set_weights(model.get_weights())``.

    >>> from tinyframe.layers import Dense, Input
    >>> model = Sequential([Input((4,)), Dense(3)], seed=0)
    >>> clone_model(model).output_shape
    (3,)
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"clone_model: expected a Sequential model. Received: {type(model).__name__}")
    return Sequential.from_config(model.get_config(), seed=seed)
