"""Dropout: randomly silences units during training, so no unit can rely on another."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_float
from .base import Layer


class Dropout(Layer):
    """Inverted dropout: in training, each input is zeroed with probability ``rate``.

    Forward with ``training=True``, for ``x`` of shape ``(m, n)``::

        mask = (u >= rate) / (1 - rate)       u ~ Uniform[0, 1), drawn per element
        y = x * mask
        dJ/dx = dJ/dy * mask                  (the same mask)

    The survivors are scaled by ``1 / (1 - rate)`` during training ("inverted"
    dropout), so the expected output equals the input and inference needs no
    rescaling: with ``training=False`` (``predict``, ``evaluate``) the layer is the
    identity. The mask is drawn from the model's seeded Generator, so a seed makes it
    reproducible (and `tinyframe.gradcheck` can fix it by restoring the Generator).

    Args:
        rate: fraction of the inputs to drop, in ``[0, 1)``.

    Example:
        >>> import numpy as np
        >>> layer = Dropout(0.5).build(dtype="float64", rng=0)
        >>> layer.forward(np.ones((2, 4)), training=True)   # survivors scaled by 1 / (1 - 0.5)
        array([[2., 0., 0., 0.],
               [2., 2., 2., 2.]])
        >>> layer.forward(np.ones((1, 2)))            # inference: unchanged
        array([[1., 1.]])
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    supports_masking = True  # a mask passes through unchanged (tinyframe.layers.masks)

    def __init__(self, rate: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = check_float(rate, "rate", "Dropout", 0.0, 1.0, low_open=False, high_open=True)
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training:
            self._mask = None
            return x
        # The uniform draws become the mask in place: u >= rate is 1.0 or 0.0, then scaled.
        mask = self.rng.random(dtype=self.dtype, out=self.buffer("mask", x.shape))
        np.greater_equal(mask, self.rate, out=mask)
        mask *= 1.0 / (1.0 - self.rate)
        self._mask = mask
        return np.multiply(x, mask, out=self.buffer("y", x.shape))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._mask is None:
            return grad_out
        return np.multiply(grad_out, self._mask, out=self.buffer("grad_in", grad_out.shape))

    def get_config(self) -> dict:
        return {"rate": self.rate}
