"""Adagrad: each parameter's step divided by the root of all its squared gradients so far."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from .._checks import check_float
from .base import Optimizer
from .schedules import LearningRateSchedule


class Adagrad(Optimizer):
    """Per-element step sizes that shrink with the gradients seen so far (Duchi et al., 2011; Keras 3's rule).

    Update rule, for every parameter ``w`` with gradient ``g``::

        accumulator = accumulator + g**2
        w = w - learning_rate * g / sqrt(accumulator + epsilon)

    ``accumulator`` starts at ``initial_accumulator_value`` (not zero) and is kept in
    ``self.state[key]["accumulator"]``. Elements with large or frequent gradients
    take ever smaller steps. ``epsilon`` is inside the square root, as in Keras;
    PyTorch's ``Adagrad`` adds it outside (``sqrt(accumulator) + eps``) and starts the
    accumulator at 0 with a learning rate of 0.01.

    Args:
        learning_rate: step size (> 0) or a schedule; 0.001 (Keras; the paper's form is 1.0).
        initial_accumulator_value: start of the sum of squares (finite, >= 0); 0.1.
        epsilon: small constant (> 0) added under the square root; 1e-7.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (`Optimizer`).

    Example:
        >>> import numpy as np
        >>> w = np.array([1.0])
        >>> Adagrad(learning_rate=0.1, initial_accumulator_value=0.0, epsilon=1e-12).step([w], [np.array([2.0])])
        >>> w.round(6)                         # 1 - 0.1 * 2 / sqrt(4): the first step is learning_rate * sign(g)
        array([0.9])
    """

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **clipping: float | None,
    ) -> None:
        initial = check_float(
            initial_accumulator_value, "initial_accumulator_value", "Adagrad", low_open=False, high_open=True
        )
        epsilon = check_float(epsilon, "epsilon", "Adagrad", high_open=True)
        super().__init__(learning_rate, **clipping)
        self.initial_accumulator_value, self.epsilon = initial, epsilon

    def initial_slot_value(self, name: str) -> float:
        return self.initial_accumulator_value if name == "accumulator" else 0.0

    def update(self, key: Hashable, param: np.ndarray, grad: np.ndarray) -> None:
        accumulator = self.slot(key, "accumulator", param)
        work = np.square(grad, out=self.scratch(key, param))
        accumulator += work
        np.add(accumulator, self.epsilon, out=work)
        np.sqrt(work, out=work)
        np.divide(grad, work, out=work)
        work *= self._rate
        param -= work

    def get_config(self) -> dict:
        config = super().get_config()
        return {**config, "initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}
