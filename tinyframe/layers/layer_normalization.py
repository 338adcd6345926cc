"""LayerNormalization: each sample standardised over its own features, the same in training and inference."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .standardization import Standardization


class LayerNormalization(Standardization):
    """Normalises each sample over the ``axis`` axes, independently of the batch (Ba et al., 2016; Keras 3).

    For each sample, and each position on the other axes, with ``mu`` and ``var`` the
    mean and biased variance of the N values that the ``axis`` axes span::

        y = gamma * (x - mu) / sqrt(var + epsilon) + beta

    ``gamma`` and ``beta`` have the shape of the ``axis`` axes (``(d_k,)`` for the
    default ``axis=-1``), one value per normalised feature. Training and inference
    compute the same thing, so there is no running state. Shapes: ``x`` and ``y`` are
    ``(m, d1, ..., dk)``. The backward pass (`Standardization`, where it is derived)::

        dJ/dx = s * (d - mean(d) - xhat * mean(d * xhat))   d = gamma * dJ/dy, s = 1 / sqrt(var + epsilon)

    with the means over the ``axis`` axes of each sample.

    Args:
        axis: the axis, or a list of axes, to normalise over, counting the batch as axis 0
            (``-1``, the last, by default; ``[-2, -1]`` normalises each sample's last two axes).
        epsilon: added to the variance, > 0 (1e-3).
        center: whether to add ``beta`` (True).
        scale: whether to multiply by ``gamma`` (True).
        beta_initializer, gamma_initializer: names in `tinyframe.initializers` or callables
            (``"zeros"``, ``"ones"``).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = LayerNormalization().build((3,), dtype="float64")
        >>> layer.forward(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 6.0]])).round(2)
        array([[-1.22,  0.  ,  1.22],
               [-0.71, -0.71,  1.41]])
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    supports_masking = True  # a mask passes through unchanged (tinyframe.layers.masks)

    reduces_over_axis = True
    single_axis = False

    def __init__(
        self,
        axis: int | Sequence[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: str | Callable = "zeros",
        gamma_initializer: str | Callable = "ones",
        **kwargs: Any,
    ) -> None:
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, **kwargs)
