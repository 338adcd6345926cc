"""LearningRateSchedule: a learning rate that is a function of the optimizer's step count."""

from __future__ import annotations

import math
import numbers
from typing import Any

from ..._checks import check_float


class LearningRateSchedule:
    """A learning rate that changes with the number of updates applied so far (Keras's base class).

    An optimizer created with ``learning_rate=schedule`` calls ``schedule(step)``
    before each update, with ``step = optimizer.iterations``: 0 for the first
    update, ``k`` for the ``(k+1)``-th. ``optimizer.learning_rate`` then reads
    ``schedule(optimizer.iterations)``, the rate of the next update.

    Write your own by subclassing and implementing ``__call__(step) -> float``
    (a finite rate ``>= 0``). It trains like the built-in ones, but a file can only
    name the built-in schedules (a file never holds code), so a model compiled with
    your schedule cannot be saved with its optimizer
    (``model.save(path, include_optimizer=False)`` still works).

    Example:
        >>> class InverseTime(LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return 0.1 / (1 + step)
        >>> InverseTime()(4)
        0.02
    """

    def __call__(self, step: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(self, step) -> float")

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        return cls(**config)

    def rates_to_check(self) -> dict[str, float]:
        """The rates the formula passes through, by argument name (compile checks them in the model's dtype)."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def check_steps(value: Any, name: str, owner: str, allow_zero: bool = False) -> int | float:
    """A finite step count > 0 (or >= 0), kept as the int or float it was given (so the config is the call)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number of steps. Received: {name}={value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be a finite number of steps {bound}. Received: {name}={value!r}")
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def check_rate(value: Any, name: str, owner: str, allow_zero: bool = False) -> float:
    """A finite learning rate > 0 (or >= 0)."""
    return check_float(value, name, owner, 0.0, math.inf, low_open=not allow_zero, high_open=True)


def check_bool(value: Any, name: str, owner: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be True or False. Received: {name}={value!r}")
    return value
