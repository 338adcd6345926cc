"""ExponentialDecay: the rate shrinks by a constant factor every ``decay_steps`` updates."""

from __future__ import annotations

import math

from .base import LearningRateSchedule, check_bool, check_rate, check_steps


class ExponentialDecay(LearningRateSchedule):
    """Exponential decay of the learning rate (Keras's ``ExponentialDecay``).

    At ``step`` (the number of updates applied so far)::

        p = step / decay_steps                      # floor(step / decay_steps) if staircase
        rate = initial_learning_rate * decay_rate ** p

    So the rate is multiplied by ``decay_rate`` every ``decay_steps`` updates,
    smoothly or (``staircase=True``) in one jump at each multiple of ``decay_steps``.
    A ``decay_rate`` above 1 makes the rate grow; once it overflows, the optimizer
    refuses to take the step (ValueError naming the step).

    Args:
        initial_learning_rate: the rate at step 0 (finite, > 0).
        decay_steps: updates per factor of ``decay_rate`` (> 0).
        decay_rate: the factor (finite, > 0).
        staircase: decay at whole multiples of ``decay_steps`` only.

    Example:
        >>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        >>> schedule(0), schedule(10), round(schedule(5), 6)
        (0.1, 0.05, 0.070711)
        >>> ExponentialDecay(0.1, 10, 0.5, staircase=True)(19)
        0.05
    """

    def __init__(
        self, initial_learning_rate: float, decay_steps: float, decay_rate: float, staircase: bool = False
    ) -> None:
        owner = "ExponentialDecay"
        self.initial_learning_rate = check_rate(initial_learning_rate, "initial_learning_rate", owner)
        self.decay_steps = check_steps(decay_steps, "decay_steps", owner)
        self.decay_rate = check_rate(decay_rate, "decay_rate", owner)
        self.staircase = check_bool(staircase, "staircase", owner)

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        try:
            return self.initial_learning_rate * self.decay_rate**p
        except OverflowError:  # a growing rate beyond float64: the optimizer reports it
            return math.inf

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
        }

    def rates_to_check(self) -> dict[str, float]:
        return {"initial_learning_rate": self.initial_learning_rate}
