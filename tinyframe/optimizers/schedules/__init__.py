"""Learning-rate schedules (Keras's ``keras.optimizers.schedules``): pass one as an optimizer's ``learning_rate``.

>>> from tinyframe.optimizers import Adam
>>> from tinyframe.optimizers.schedules import ExponentialDecay
>>> optimizer = Adam(learning_rate=ExponentialDecay(0.01, decay_steps=1000, decay_rate=0.9))
>>> optimizer.learning_rate                       # the rate of the next update: schedule(iterations)
0.01

A saved optimizer writes its schedule as ``{"class_name": ..., "config": ...}``;
loading builds it only from the built-in classes below (a file never holds code).
"""

from __future__ import annotations

from typing import Any

from .base import LearningRateSchedule
from .cosine_decay import CosineDecay
from .exponential_decay import ExponentialDecay
from .piecewise_constant_decay import PiecewiseConstantDecay

__all__ = [
    "LearningRateSchedule",
    "ExponentialDecay",
    "CosineDecay",
    "PiecewiseConstantDecay",
    "serialize",
    "deserialize",
]

BUILTINS: dict[str, type[LearningRateSchedule]] = {
    cls.__name__: cls for cls in (ExponentialDecay, CosineDecay, PiecewiseConstantDecay)
}


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """``{"class_name": ..., "config": schedule.get_config()}``."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(spec: Any) -> LearningRateSchedule:
    """The schedule ``spec`` describes, built only by a built-in class (ValueError otherwise)."""
    name = spec.get("class_name") if isinstance(spec, dict) else None
    config = spec.get("config") if isinstance(spec, dict) else None
    if not isinstance(config, dict) or BUILTINS.get(name) is None:
        raise ValueError(
            "a learning-rate schedule must be {'class_name': one of "
            f"{sorted(BUILTINS)}, 'config': {{...}}}} (files name only built-in schedules). Received: {spec!r:.200}"
        )
    return BUILTINS[name].from_config(config)
