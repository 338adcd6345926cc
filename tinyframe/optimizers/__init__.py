"""Optimizers: update rules that change parameters in place from their gradients.

Learning-rate schedules live in `tinyframe.optimizers.schedules` (Keras's
``keras.optimizers.schedules``); gradient clipping is an argument of every optimizer.
"""

from __future__ import annotations

from .._checks import check_float
from . import schedules
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .base import Optimizer
from .gradient_descent import GradientDescent
from .momentum import Momentum
from .nadam import Nadam
from .rmsprop import RMSProp

RMSprop = RMSProp  # Keras's spelling

__all__ = ["Optimizer", "GradientDescent", "Momentum", "RMSProp", "Adam", "AdamW", "Adagrad", "Nadam"]
__all__ += ["SGD", "RMSprop", "get", "is_optimizer", "schedules"]


def SGD(  # noqa: N802 (Keras's class name)
    learning_rate: float | schedules.LearningRateSchedule = 0.01,
    momentum: float = 0.0,
    nesterov: bool = False,
    **clipping: float | None,
) -> GradientDescent | Momentum:
    """Keras's ``SGD(learning_rate=0.01, momentum=0.0, nesterov=False)``: `GradientDescent` or `Momentum`.

    Without momentum it is `GradientDescent` (``w -= learning_rate * g``); with it,
    `Momentum`, whose update is Keras's (``velocity = momentum * velocity - lr * g``,
    Nesterov's form with ``nesterov=True``). Clipping arguments pass through.

    >>> SGD(learning_rate=0.1, momentum=0.9)
    Momentum(learning_rate=0.1, momentum=0.9, nesterov=False)
    """
    momentum = check_float(momentum, "momentum", "SGD", 0.0, 1.0, low_open=False, high_open=True)
    if momentum == 0.0:
        return GradientDescent(learning_rate, **clipping)
    return Momentum(learning_rate, momentum, nesterov=nesterov, **clipping)


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
