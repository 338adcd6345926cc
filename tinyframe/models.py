"""Keras's ``keras.models``: `Model`, `Sequential`, `Input`, `load_model` and `clone_model`, where Keras code looks."""

from __future__ import annotations

from typing import Any

from .layers.input import Input
from .model import Model, Sequential
from .saving import load_model

__all__ = ["Model", "Sequential", "Input", "load_model", "clone_model", "model_from_json"]


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


def model_from_json(json_string: str, seed: Any = None) -> Model:
    """The model `Model.to_json` describes, with new weights (Keras's ``model_from_json``); no code is run."""
    import json

    if not isinstance(json_string, (str, bytes)):
        raise TypeError(f"model_from_json: expected a JSON string. Received: {type(json_string).__name__}")
    try:
        config = json.loads(json_string)
    except ValueError as error:
        raise ValueError(f"model_from_json: not valid JSON ({error})") from None
    return Model.from_config(config, seed=seed)
