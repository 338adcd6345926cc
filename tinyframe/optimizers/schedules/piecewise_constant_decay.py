"""PiecewiseConstantDecay: a constant rate between step boundaries."""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Sequence
from typing import Any

from .base import LearningRateSchedule, check_rate


class PiecewiseConstantDecay(LearningRateSchedule):
    """A step function of the number of updates (Keras's ``PiecewiseConstantDecay``).

    With boundaries ``b[0] < b[1] < ... < b[n-1]`` and ``n + 1`` values, at ``step``::

        rate = values[0]      if step <= b[0]
               values[i]      if b[i-1] < step <= b[i]
               values[n]      if step > b[n-1]

    A boundary belongs to the piece before it, as in Keras: with ``boundaries=[100]``
    the 101st update (``step == 100``) still uses ``values[0]``.

    Args:
        boundaries: strictly increasing finite step counts (a list; may be empty).
        values: one more finite rate (>= 0, not all 0) than there are boundaries.

    Example:
        >>> schedule = PiecewiseConstantDecay([100, 200], [0.1, 0.01, 0.001])
        >>> schedule(0), schedule(100), schedule(101), schedule(200), schedule(201)
        (0.1, 0.1, 0.01, 0.01, 0.001)
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float]) -> None:
        owner = "PiecewiseConstantDecay"
        boundaries, values = _as_list(boundaries, "boundaries"), _as_list(values, "values")
        for b in boundaries:
            if isinstance(b, bool) or not isinstance(b, numbers.Real) or not math.isfinite(b):
                raise TypeError(f"{owner}: boundaries must be finite step counts. Received: boundaries={boundaries!r}")
        if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
            raise ValueError(f"{owner}: boundaries must be strictly increasing. Received: boundaries={boundaries!r}")
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                f"{owner}: values must have one more element than boundaries. Received: "
                f"{len(boundaries)} boundaries={boundaries!r} and {len(values)} values={values!r}"
            )
        values = [check_rate(v, "values", owner, allow_zero=True) for v in values]
        if not any(values):
            raise ValueError(f"{owner}: at least one of values must be > 0. Received: values={values!r}")
        self.boundaries, self.values = boundaries, values

    def __call__(self, step: int) -> float:
        return self.values[bisect.bisect_left(self.boundaries, step)]

    def get_config(self) -> dict:
        return {"boundaries": list(self.boundaries), "values": list(self.values)}

    def rates_to_check(self) -> dict[str, float]:
        return {f"values[{i}]": v for i, v in enumerate(self.values)}


def _as_list(value: Any, name: str) -> list:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"PiecewiseConstantDecay: {name} must be a list of numbers. Received: {name}={value!r}")
    return list(value)
