"""BatchNormalization: each channel standardised with the batch's statistics in training, running ones after."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import initializers
from .._checks import check_float
from .standardization import Standardization


class BatchNormalization(Standardization):
    """Normalises each channel (each index of ``axis``) over the batch and every other axis (Keras 3).

    In training (``fit``: ``training=True``), with ``mu`` and ``var`` the mean and the
    *biased* variance (divided by N, as Keras's ``ops.moments``) of the channel over the N
    values of the batch that share it, ``s = 1 / sqrt(var + epsilon)``::

        y = gamma * (x - mu) * s + beta
        moving_mean     = momentum * moving_mean     + (1 - momentum) * mu
        moving_variance = momentum * moving_variance + (1 - momentum) * var

    In inference (``predict``, ``evaluate``: ``training=False``) the running statistics
    replace ``mu`` and ``var``, and nothing changes. As in Keras, a frozen layer
    (``trainable = False``) runs in inference mode even in training, and its running
    statistics stay put. Shapes: ``x`` and ``y`` are ``(m, d1, ..., dk)``; ``gamma``,
    ``beta``, ``moving_mean`` and ``moving_variance`` have one value per channel. The
    running statistics are non-trainable state: saved, loaded, and listed after the
    parameters in ``get_weights`` (Keras's order: gamma, beta, moving_mean,
    moving_variance). The backward pass (`Standardization`, where it is derived) takes
    the dependence of ``mu`` and ``var`` on every input into account in training::

        dJ/dx = gamma * s * (g - mean(g) - xhat * mean(g * xhat))   g = dJ/dy, per channel
        dJ/dx = gamma * s * g                                       inference

    Args:
        axis: the channel axis, counting the batch as axis 0 (``-1``, the last, by default).
        momentum: weight of the old value in the running averages, in [0, 1] (0.99).
        epsilon: added to the variance, > 0 (1e-3).
        center: whether to add ``beta`` (True).
        scale: whether to multiply by ``gamma`` (True).
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer: names in
            `tinyframe.initializers` or callables (``"zeros"``, ``"ones"``, ``"zeros"``, ``"ones"``).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = BatchNormalization(momentum=0.5).build((1,), dtype="float64")
        >>> layer.forward(np.array([[1.0], [3.0]]), training=True).round(2)
        array([[-1.],
               [ 1.]])
        >>> layer.state["moving_mean"], layer.state["moving_variance"]   # 0.5 * 0 + 0.5 * 2, 0.5 * 1 + 0.5 * 1
        (array([1.]), array([1.]))
    """

    nonnegative_state = ("moving_variance",)

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: str | Callable = "zeros",
        gamma_initializer: str | Callable = "ones",
        moving_mean_initializer: str | Callable = "zeros",
        moving_variance_initializer: str | Callable = "ones",
        **kwargs: Any,
    ) -> None:
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, **kwargs)
        self.momentum = check_float(momentum, "momentum", "BatchNormalization", 0.0, 1.0, low_open=False)
        initializers.get(moving_mean_initializer), initializers.get(moving_variance_initializer)
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer

    def build(self, input_shape: tuple[int, ...]) -> None:
        super().build(input_shape)
        self.add_state("moving_mean", self._shape, self.moving_mean_initializer)
        self.add_state("moving_variance", self._shape, self.moving_variance_initializer)

    def _fixed_statistics(self, training: bool) -> tuple[np.ndarray, np.ndarray] | None:
        if training and self.trainable:
            return None
        return tuple(self.state[key].reshape(self._broadcast) for key in ("moving_mean", "moving_variance"))

    def _observe(self, mean: np.ndarray, var: np.ndarray) -> None:
        # In place: the arrays are the layer's state for life (saving, get_weights, a refused fit's restore hold them).
        for key, batch in (("moving_mean", mean), ("moving_variance", var)):
            running = self.state[key]
            running *= self.momentum
            running += (1.0 - self.momentum) * batch.reshape(running.shape)

    def get_config(self) -> dict[str, Any]:
        names = self._initializer_names("moving_mean_initializer", "moving_variance_initializer")
        return {"axis": self.axis, "momentum": self.momentum, **super().get_config(), **names}
