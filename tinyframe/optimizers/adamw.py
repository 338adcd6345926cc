"""AdamW: Adam with decoupled weight decay on by default."""

from __future__ import annotations

from .adam import Adam
from .schedules import LearningRateSchedule


class AdamW(Adam):
    """`Adam` with decoupled weight decay (Loshchilov & Hutter, 2019); Keras's ``AdamW`` defaults.

    Update rule: `Adam`'s, after first shrinking every parameter::

        w = w - learning_rate * weight_decay * w

    ``AdamW(weight_decay=wd)`` is exactly ``Adam(weight_decay=wd)``; this class
    only makes the decay the default, under the name users look for.

    Args:
        learning_rate, beta_1, beta_2, epsilon, clipnorm, clipvalue, global_clipnorm: as in `Adam`.
        weight_decay: decoupled decay rate (>= 0); 0.004 (Keras's default).

    Example:
        >>> import numpy as np
        >>> w = np.array([2.0])
        >>> AdamW(learning_rate=0.1, weight_decay=0.5).step([w], [np.array([1.0])])
        >>> w.round(6)                         # 2 * (1 - 0.1 * 0.5) - 0.1
        array([1.8])
    """

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        weight_decay: float = 0.004,
        **clipping: float | None,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay, **clipping)
