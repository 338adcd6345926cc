"""Optimizers: update rules that change parameters in place from their gradients."""

from __future__ import annotations

from .adam import Adam
from .adamw import AdamW
from .base import Optimizer
from .gradient_descent import GradientDescent
from .momentum import Momentum
from .rmsprop import RMSProp

__all__ = ["Optimizer", "GradientDescent", "Momentum", "RMSProp", "Adam", "AdamW", "get"]

_BY_NAME = {
    "gradient_descent": GradientDescent,
    "sgd": GradientDescent,
    "momentum": Momentum,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
}


def get(identifier: str | Optimizer) -> Optimizer:
    """An `Optimizer` from an instance or a name such as ``"sgd"`` (default settings)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(
        f"Unknown optimizer: expected an Optimizer instance or one of {sorted(_BY_NAME)}. Received: {identifier!r}"
    )
