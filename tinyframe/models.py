"""Keras's ``keras.models``: `Model`, `Sequential`, `Input`, `load_model` and `clone_model`, where Keras code looks."""

from __future__ import annotations

from typing import Any

from .layers.input import Input
from .model import Model, Sequential
from .saving import load_model

__all__ = ["Model", "Sequential", "Input", "load_model", "clone_model"]


def clone_model(model: Model, seed: Any = None) -> Model:
    """A new model with ``model``'s layers and shapes and new weights (Keras's ``clone_model``).

    ``type(model).from_config(model.get_config(), seed=seed)``: not compiled, nothing shared
    with ``model``. Copy the weights with ``clone.set_weights(model.get_weights())``.

    >>> from tinyframe.layers import Dense, Input
    >>> model = Sequential([Input((4,)), Dense(3)], seed=0)
    >>> clone_model(model).output_shape
    (3,)
    """
    if not isinstance(model, Model):
        raise TypeError(f"clone_model: expected a tinyframe Model or Sequential. Received: {type(model).__name__}")
    return Model.from_config(model.get_config(), seed=seed)
