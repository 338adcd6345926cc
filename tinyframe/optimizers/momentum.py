"""Momentum: gradient descent with a velocity, classical or Nesterov."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from .._checks import check_float
from .base import Optimizer
from .schedules import LearningRateSchedule


class Momentum(Optimizer):
    """Gradient descent that keeps a running velocity per parameter (Keras's ``SGD(momentum=...)``).

    Update rule, for every parameter ``w`` with gradient ``g``::

        velocity = momentum * velocity - learning_rate * g
        if nesterov:
            w = w + momentum * velocity - learning_rate * g
        else:
            w = w + velocity

    The velocity starts at zero and is kept in ``self.state[key]["velocity"]``.
    Nesterov's form evaluates the step at the point the velocity is about to carry
    ``w`` to (Sutskever et al., 2013), which damps oscillation. ``momentum=0`` is
    plain `GradientDescent`.

    Args:
        learning_rate: step size (> 0) or a schedule; 0.01 by default.
        momentum: how much of the velocity survives each step, in ``[0, 1)``; 0.9.
        nesterov: use Nesterov momentum.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (`Optimizer`).

    Example:
        >>> import numpy as np
        >>> w, opt = np.array([1.0]), Momentum(learning_rate=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.step([w], [np.array([1.0])])
        >>> w                                  # 1 - 0.1, then 0.9 - (0.9 * 0.1 + 0.1)
        array([0.71])
    """

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.01,
        momentum: float = 0.9,
        nesterov: bool = False,
        **clipping: float | None,
    ) -> None:
        momentum = check_float(momentum, "momentum", "Momentum", 0.0, 1.0, low_open=False, high_open=True)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"Momentum: nesterov must be True or False. Received: nesterov={nesterov!r}")
        super().__init__(learning_rate, **clipping)
        self.momentum, self.nesterov = momentum, bool(nesterov)

    def update(self, key: Hashable, param: np.ndarray, grad: np.ndarray) -> None:
        velocity = self.slot(key, "velocity", param)
        step = np.multiply(grad, self._rate, out=self.scratch(key, param))
        velocity *= self.momentum
        velocity -= step
        if self.nesterov:
            param -= step
            param += np.multiply(velocity, self.momentum, out=step)
        else:
            param += velocity

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
