"""GaussianNoise: adds zero-mean noise to its input during training, a regulariser."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_float
from .base import Layer


class GaussianNoise(Layer):
    """Adds ``N(0, stddev**2)`` noise to every input, in training only.

    Forward with ``training=True``, for ``x`` of shape ``(m, n)``::

        y = x + stddev * e                    e ~ N(0, 1), drawn per element
        dJ/dx = dJ/dy                         (the noise does not depend on x)

    With ``training=False`` (``predict``, ``evaluate``) the layer is the identity.
    Training on slightly different inputs each epoch acts like data augmentation
    and, for small noise, like an L2 penalty on the weights (Bishop, 1995). The
    noise is drawn from the model's seeded Generator.

    Args:
        stddev: standard deviation of the noise, >= 0 (0 makes the layer a no-op).

    Example:
        >>> import numpy as np
        >>> layer = GaussianNoise(0.1).build(dtype="float64", rng=0)
        >>> layer.forward(np.zeros((1, 3)), training=True).round(3)
        array([[ 0.013, -0.013,  0.064]])
        >>> layer.forward(np.zeros((1, 3)))           # inference: unchanged
        array([[0., 0., 0.]])
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    supports_masking = True  # a mask passes through unchanged (tinyframe.layers.masks)

    def __init__(self, stddev: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stddev = check_float(stddev, "stddev", "GaussianNoise", 0.0, low_open=False)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training:
            return x
        y = self.rng.standard_normal(dtype=self.dtype, out=self.buffer("y", x.shape))
        y *= self.stddev
        y += x
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out

    def get_config(self) -> dict:
        return {"stddev": self.stddev}
