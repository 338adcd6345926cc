"""Losses: costs ``J(y_pred, y_true)`` with their gradients."""

from __future__ import annotations

from .base import Loss
from .squared_error import SquaredError

__all__ = ["Loss", "SquaredError", "get"]

_BY_NAME = {"squared_error": SquaredError}


def get(identifier: str | Loss) -> Loss:
    """A `Loss` instance from an instance or a name such as ``"squared_error"``."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(f"Unknown loss: expected a Loss instance or one of {sorted(_BY_NAME)}. Received: {identifier!r}")
