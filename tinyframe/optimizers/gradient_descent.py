"""GradientDescent: the article's update rule."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from .base import Optimizer
from .schedules import LearningRateSchedule


class GradientDescent(Optimizer):
    """Plain (stochastic, on mini-batches) gradient descent.

    Update rule, for every parameter ``w`` with gradient ``g = dJ/dw``::

        w = w - learning_rate * g

    With a full batch this is the article's ``W = W - alpha * (1/m) * Delta W``
    (the ``1/m`` lives in the loss). The product goes into a scratch array kept
    per parameter, so a step allocates nothing.

    Args:
        learning_rate: the step size ``alpha`` (> 0) or a schedule; 0.01 (Keras's ``SGD``), 0.25 in the article.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (`Optimizer`).

    Example:
        >>> import numpy as np
        >>> w, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
        >>> GradientDescent(learning_rate=0.1).step([w], [g]); w
        array([0.95, 2.1 ])
    """

    def __init__(self, learning_rate: float | LearningRateSchedule = 0.01, **clipping: float | None) -> None:
        super().__init__(learning_rate, **clipping)

    def update(self, key: Hashable, param: np.ndarray, grad: np.ndarray) -> None:
        scaled = np.multiply(grad, self._rate, out=self.scratch(key, grad))
        param -= scaled
