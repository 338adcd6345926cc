"""Losses: costs ``J(y_pred, y_true)`` with their gradients."""

from __future__ import annotations

from .base import Loss
from .binary_cross_entropy import BinaryCrossEntropy
from .cross_entropy import CrossEntropy
from .mean_absolute_error import MeanAbsoluteError
from .mean_squared_error import MeanSquaredError
from .squared_error import SquaredError

__all__ = [
    "Loss",
    "SquaredError",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "CrossEntropy",
    "BinaryCrossEntropy",
    "get",
]

# Names give the default settings: the cross-entropies then read probabilities (from_logits=False), as in Keras.
_BY_NAME = {
    "squared_error": SquaredError,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "cross_entropy": CrossEntropy,
    "categorical_crossentropy": CrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
    "binary_crossentropy": BinaryCrossEntropy,
}


def get(identifier: str | Loss) -> Loss:
    """A `Loss` instance from an instance or a name such as ``"squared_error"``."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(f"Unknown loss: expected a Loss instance or one of {sorted(_BY_NAME)}. Received: {identifier!r}")
