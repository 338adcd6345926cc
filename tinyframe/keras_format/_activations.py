"""Activations both ways: Keras's names inside a layer (``Dense(activation="relu")``) and its activation layers.

A name means Keras 3's function with its default arguments, so a tinyframe activation has a name
only with those arguments: ``leaky_relu`` has slope 0.2 (tinyframe's ``LeakyReLU()`` has Keras 2's
0.3), ``elu`` alpha 1, ``gelu`` is the exact one. Another is refused inside a layer (put it after
the layer as a layer of its own, which Keras's ``LeakyReLU``, ``ELU`` layers can hold).
"""

from __future__ import annotations

from typing import Any

from ..activations import (
    ELU,
    GELU,
    SELU,
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Swish,
    Tanh,
)
from ._codec import Codec
from ._values import Options

# Keras's activation name -> the tinyframe activation of the same function; the first name of a class is written.
_BY_NAME = {
    "linear": Identity,
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softmax": Softmax,
    "elu": ELU,
    "selu": SELU,
    "gelu": GELU,
    "silu": Swish,
    "swish": Swish,
    "softplus": Softplus,
    "leaky_relu": lambda: LeakyReLU(0.2),  # keras.activations.leaky_relu's negative_slope
}


def activation_name(activation: Activation | None, where: str) -> str:
    """Keras's name for ``activation`` (None: ``"linear"``); refused if Keras has no name for it."""
    if activation is None:
        return "linear"
    for name, make in _BY_NAME.items():
        reference = make()
        if type(reference) is type(activation) and reference.get_config() == activation.get_config():
            return name
    raise ValueError(
        f"save: {where}: the activation {activation!r} has no name in Keras (its 'leaky_relu' has slope 0.2, 'elu' "
        "alpha 1.0, 'gelu' is exact); put it after the layer as a layer of its own"
    )


def activation_from_name(name: Any, where: str) -> Activation:
    """The activation Keras's ``name`` computes (``"linear"``: `Identity`)."""
    if not isinstance(name, str) or name not in _BY_NAME:
        raise ValueError(f"{where}: the activation {name!r:.100} is not supported; tinyframe has {sorted(_BY_NAME)}")
    return _BY_NAME[name]()


def in_layer(name: Any, where: str) -> Activation | None:
    """A Dense's or a Conv's activation: None for ``"linear"``, as the layers keep it."""
    activation = activation_from_name(name, where)
    return None if type(activation) is Identity else activation


class _Named(Codec):
    """Keras's ``Activation("sigmoid")`` layer: the activations that have no layer class of their own in Keras."""

    def to_keras(self, layer: Activation, where: str) -> dict[str, Any]:
        return {"activation": activation_name(layer, where)}

    def from_keras(self, options: Options) -> Activation:
        return activation_from_name(options.get("activation"), options.where)


class _ReLU(Codec):
    def to_keras(self, layer: ReLU, where: str) -> dict[str, Any]:
        return {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}

    def from_keras(self, options: Options) -> ReLU:
        options.only("max_value", None)
        options.only("negative_slope", 0.0)
        options.only("threshold", 0.0)
        return ReLU()


class _LeakyReLU(Codec):
    def to_keras(self, layer: LeakyReLU, where: str) -> dict[str, Any]:
        return {"negative_slope": layer.alpha}

    def from_keras(self, options: Options) -> LeakyReLU:
        return LeakyReLU(negative_slope=options.get("negative_slope", 0.3))


class _ELU(Codec):
    def to_keras(self, layer: ELU, where: str) -> dict[str, Any]:
        return {"alpha": layer.alpha}

    def from_keras(self, options: Options) -> ELU:
        return ELU(options.get("alpha", 1.0))


class _Softmax(Codec):
    def to_keras(self, layer: Softmax, where: str) -> dict[str, Any]:
        return {"axis": -1}

    def from_keras(self, options: Options) -> Softmax:
        options.only("axis", -1, [-1])
        return Softmax()


CODECS = [
    _Named("Activation", Sigmoid, Tanh, Identity, SELU, GELU, Swish, Softplus),
    _ReLU("ReLU", ReLU),
    _LeakyReLU("LeakyReLU", LeakyReLU),
    _ELU("ELU", ELU),
    _Softmax("Softmax", Softmax),
]
