"""Optimizers: update rules that change parameters in place from their gradients.

Learning-rate schedules live in `tinyframe.optimizers.schedules` (Keras's
``keras.optimizers.schedules``); gradient clipping is an argument of every optimizer.
"""

from __future__ import annotations

from . import schedules
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .base import Optimizer
from .gradient_descent import GradientDescent
from .momentum import Momentum
from .nadam import Nadam
from .rmsprop import RMSProp

__all__ = ["Optimizer", "GradientDescent", "Momentum", "RMSProp", "Adam", "AdamW", "Adagrad", "Nadam"]
__all__ += ["get", "is_optimizer", "schedules"]

# Names are matched without case or underscores: "SGD", "sgd", "RMSprop", "gradient_descent", "AdamW" all work.
# "sgd" is GradientDescent(): Keras's SGD() with its defaults (learning_rate=0.01, no momentum); SGD with
# momentum is Momentum(learning_rate, momentum, nesterov).
_BY_NAME = {
    "gradientdescent": GradientDescent,
    "sgd": GradientDescent,
    "momentum": Momentum,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
    "adagrad": Adagrad,
    "nadam": Nadam,
}


def get(identifier: str | Optimizer) -> Optimizer:
    """An `Optimizer` from an instance or a name, with default settings.

    Names are Keras's and tinyframe's, in any case: ``"sgd"``/``"SGD"`` (`GradientDescent`,
    learning rate 0.01 as Keras's ``SGD``), ``"momentum"``, ``"rmsprop"``/``"RMSprop"``,
    ``"adam"``, ``"adamw"``/``"AdamW"``, ``"adagrad"``, ``"nadam"``, ``"gradient_descent"``.

    >>> get("RMSprop")
    RMSProp(learning_rate=0.001, rho=0.9, epsilon=1e-07)
    """
    if isinstance(identifier, Optimizer):
        return identifier
    cls = _named(identifier)
    if cls is not None:
        return cls()
    raise ValueError(
        "Unknown optimizer: expected an Optimizer instance or one of "
        f"{sorted({'gradient_descent', *_BY_NAME} - {'gradientdescent'})} (in any case). Received: {identifier!r}"
    )


def _named(identifier: object) -> type[Optimizer] | None:
    """The optimizer class a name stands for (any case, underscores ignored), or None."""
    return _BY_NAME.get(identifier.lower().replace("_", "")) if isinstance(identifier, str) else None


def is_optimizer(identifier: object) -> bool:
    """Whether `get` would accept ``identifier``: an `Optimizer` or an optimizer's name.

    >>> is_optimizer("Adam"), is_optimizer("mse")
    (True, False)
    """
    return isinstance(identifier, Optimizer) or _named(identifier) is not None
