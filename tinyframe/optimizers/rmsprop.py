"""RMSProp: gradient descent with each step divided by a running RMS of the gradients."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from .._checks import check_float
from .base import Optimizer
from .schedules import LearningRateSchedule


class RMSProp(Optimizer):
    """Per-parameter step sizes from a running mean of squared gradients (Tieleman & Hinton, 2012).

    Update rule, for every parameter ``w`` with gradient ``g``::

        mean_square = rho * mean_square + (1 - rho) * g**2
        w = w - learning_rate * g / (sqrt(mean_square) + epsilon)

    ``mean_square`` starts at zero and is kept in ``self.state[key]["mean_square"]``.
    Parameters with consistently large gradients take smaller steps and vice versa.
    ``epsilon`` is added outside the square root, as in PyTorch and in `Adam`
    (Keras adds it inside); it only matters while ``mean_square`` is tiny.

    Args:
        learning_rate: step size (> 0) or a schedule; 0.001 by default.
        rho: decay of the running mean, in ``[0, 1)``; 0.9.
        epsilon: small constant (> 0) that keeps the division finite; 1e-7.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (`Optimizer`).

    Example:
        >>> import numpy as np
        >>> w = np.array([1.0])
        >>> RMSProp(learning_rate=0.1, epsilon=1e-12).step([w], [np.array([2.0])])
        >>> w.round(6)                         # 1 - 0.1 * 2 / sqrt(0.1 * 4)
        array([0.683772])
    """

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        rho: float = 0.9,
        epsilon: float = 1e-7,
        **clipping: float | None,
    ) -> None:
        rho = check_float(rho, "rho", "RMSProp", 0.0, 1.0, low_open=False, high_open=True)
        epsilon = check_float(epsilon, "epsilon", "RMSProp")
        super().__init__(learning_rate, **clipping)
        self.rho, self.epsilon = rho, epsilon

    def update(self, key: Hashable, param: np.ndarray, grad: np.ndarray) -> None:
        mean_square = self.slot(key, "mean_square", param)
        work = np.square(grad, out=self.scratch(key, param))
        work *= 1.0 - self.rho
        mean_square *= self.rho
        mean_square += work
        np.sqrt(mean_square, out=work)
        work += self.epsilon
        np.divide(grad, work, out=work)
        work *= self._rate
        param -= work

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
