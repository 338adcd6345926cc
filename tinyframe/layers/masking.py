"""Masking: marks the steps of a sequence that hold only padding, so that the layers after it skip them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_float
from .base import Layer


class Masking(Layer):
    """Masks each step whose features all equal ``mask_value`` (Keras's layer), and zeroes it.

    For ``x`` of shape ``(m, T, d)`` (any rank: the last axis holds the features)::

        keep[b, t] = any over i of x[b, t, i] != mask_value          the mask, (m, T)
        y = x * keep[..., None]                                      dJ/dx = dJ/dy * keep[..., None]

    The mask travels with ``y`` (`tinyframe.layers.masks`): attention, average pooling and the
    recurrent layers after it skip the masked steps.

    Args:
        mask_value: the value of a padding step's every feature (0.0).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = Masking()
        >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]])
        >>> layer.compute_mask(x)
        array([[ True, False,  True]])
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    supports_masking = True
    produces_mask = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = check_float(mask_value, "mask_value", "Masking", -np.inf, np.inf)

    def compute_mask(self, inputs: np.ndarray, mask: Any = None) -> np.ndarray:
        return np.any(np.asarray(inputs) != self.mask_value, axis=-1)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        keep = np.any(x != self.mask_value, axis=-1, keepdims=True)
        self._keep = keep
        return np.multiply(x, keep, out=self.buffer("y", x.shape))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return np.multiply(grad_out, self._keep, out=self.buffer("grad_in", grad_out.shape))

    def get_config(self) -> dict[str, Any]:
        return {"mask_value": self.mask_value}
