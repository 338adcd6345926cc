"""Argument checks shared by constructors: errors say expected vs received."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def check_positive_int(value, name: str, owner: str, allow_zero: bool = False) -> int:
    """Return ``value`` as an int, or raise: TypeError if not an integer, ValueError if < 1 (or < 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be an integer. Received: {name}={value!r}")
    low = 0 if allow_zero else 1
    if value < low:
        raise ValueError(f"{owner}: {name} must be an integer >= {low}. Received: {name}={value!r}")
    return int(value)


def check_float(
    value,
    name: str,
    owner: str,
    low: float = 0.0,
    high: float = float("inf"),
    low_open: bool = True,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float within (low, high] (or as the flags say), or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number. Received: {name}={value!r}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high or value != value:
        lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
        raise ValueError(f"{owner}: {name} must be in {lo}{low}, {high}{hi}. Received: {name}={value!r}")
    return value


def check_values(value, name: str, owner: str) -> float | list[float]:
    """``value`` as a finite float, or a non-empty flat sequence of them as a list (JSON-friendly), or raise.

    >>> check_values(0.5, "scale", "Rescaling"), check_values((1, 2), "scale", "Rescaling")
    (0.5, [1.0, 2.0])
    """
    try:
        flat = np.ndim(value) == 1
    except ValueError:  # a ragged nesting: neither a number nor a flat list
        flat = False
    items = list(value) if flat else [value]
    if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) for v in items) or not items:
        raise TypeError(
            f"{owner}: {name} must be a real number or a non-empty flat list of real numbers. "
            f"Received: {name}={value!r}"
        )
    floats = [float(v) for v in items]
    if not all(math.isfinite(v) for v in floats):
        raise ValueError(f"{owner}: {name} must be finite. Received: {name}={value!r}")
    return floats if flat else floats[0]


def keras_default_only(owner: str, name: str, value: Any, default: Any, instead: str) -> None:
    """Accept a Keras argument tinyframe does not implement only at Keras's default value.

    Keras code often spells defaults out (``LSTM(64, dropout=0.0)``); any other value is a
    ValueError naming the argument and what to do instead.

    >>> keras_default_only("LSTM", "dropout", 0.0, 0.0, "put a Dropout layer before it")
    """
    if value == default and isinstance(value, bool) == isinstance(default, bool):
        return
    raise ValueError(f"{owner}: {name}={value!r} is not implemented (only {default!r}); {instead}")
