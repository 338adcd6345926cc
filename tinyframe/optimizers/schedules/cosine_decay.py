"""CosineDecay: an optional linear warm-up, then half a cosine down to a floor."""

from __future__ import annotations

import math

from .base import LearningRateSchedule, check_rate, check_steps


class CosineDecay(LearningRateSchedule):
    """Cosine decay with optional linear warm-up (Loshchilov & Hutter, 2017; Keras 3's ``CosineDecay``).

    Without ``warmup_target``, at ``step`` (the number of updates applied so far)::

        s = min(step, decay_steps)
        rate = initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)

    from ``initial_learning_rate`` down to ``alpha * initial_learning_rate``, reached
    at ``decay_steps`` and kept after. With ``warmup_target``, the rate first climbs
    in a straight line from ``initial_learning_rate`` to ``warmup_target``::

        rate = initial_learning_rate + (warmup_target - initial_learning_rate) * step / warmup_steps
                                                            # for step < warmup_steps

    then decays as above from ``warmup_target`` (to ``alpha * warmup_target``), with
    ``s = min(step - warmup_steps, decay_steps)``. Keras ignores ``warmup_steps``
    when ``warmup_target`` is None; here that combination is refused.

    Args:
        initial_learning_rate: the rate at step 0 (finite; > 0, or >= 0 with a warm-up).
        decay_steps: length of the cosine decay, in updates (> 0).
        alpha: the final rate as a fraction of the decay's start (finite, >= 0); 0.
        warmup_target: the rate the warm-up climbs to (finite, > 0), or None for no warm-up.
        warmup_steps: length of the warm-up, in updates (>= 0); 0.

    Example:
        >>> schedule = CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
        >>> schedule(0), schedule(5), schedule(10), round(schedule(60), 6), schedule(110)
        (0.0, 0.05, 0.1, 0.05, 0.0)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        alpha: float = 0.0,
        warmup_target: float | None = None,
        warmup_steps: float = 0,
    ) -> None:
        owner = "CosineDecay"
        self.decay_steps = check_steps(decay_steps, "decay_steps", owner)
        self.alpha = check_rate(alpha, "alpha", owner, allow_zero=True)
        self.warmup_steps = check_steps(warmup_steps, "warmup_steps", owner, allow_zero=True)
        if warmup_target is None and self.warmup_steps:
            raise ValueError(
                f"CosineDecay: warmup_steps needs a warmup_target (the rate to warm up to); without one there "
                f"is no warm-up. Received: warmup_steps={warmup_steps!r}, warmup_target=None"
            )
        self.warmup_target = None if warmup_target is None else check_rate(warmup_target, "warmup_target", owner)
        self.initial_learning_rate = check_rate(
            initial_learning_rate, "initial_learning_rate", owner, allow_zero=warmup_target is not None
        )

    def __call__(self, step: int) -> float:
        if self.warmup_target is None:
            start, step = self.initial_learning_rate, min(step, self.decay_steps)
        elif step < self.warmup_steps:
            fraction = step / self.warmup_steps
            return (self.warmup_target - self.initial_learning_rate) * fraction + self.initial_learning_rate
        else:
            start, step = self.warmup_target, min(step - self.warmup_steps, self.decay_steps)
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }

    def rates_to_check(self) -> dict[str, float]:
        start = self.initial_learning_rate if self.warmup_target is None else self.warmup_target
        rates = {"initial_learning_rate": self.initial_learning_rate, "alpha * start": self.alpha * start}
        return rates if self.warmup_target is None else {**rates, "warmup_target": self.warmup_target}
