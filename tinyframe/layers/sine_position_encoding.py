"""SinePositionEncoding: the Transformer's fixed sinusoidal position signal (keras_hub's layer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_float
from .base import Layer


class SinePositionEncoding(Layer):
    """The fixed position encoding of Vaswani et al. (2017), with keras_hub's layout (sine and cosine interleaved).

    For ``x`` of shape ``(m, T, d)`` (only its shape is read), position ``p = start_index + t``
    and feature ``i``, with ``w = max_wavelength``::

        angle = p / w ** (2 * (i // 2) / d)
        y[b, t, i] = sin(angle) if i is even else cos(angle)

    Add it to the token embeddings. Nothing is learned: backward passes a zero gradient to ``x``.

    Args:
        max_wavelength: the longest wavelength ``w``, > 0 (10000, as the paper).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> y = SinePositionEncoding()(np.zeros((1, 3, 4)))
        >>> y[0].round(3)
        array([[ 0.   ,  1.   ,  0.   ,  1.   ],
               [ 0.841,  0.54 ,  0.01 ,  1.   ],
               [ 0.909, -0.416,  0.02 ,  1.   ]])
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    supports_masking = True  # a mask passes through unchanged (tinyframe.layers.masks)

    def __init__(self, max_wavelength: float = 10000.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_wavelength = check_float(max_wavelength, "max_wavelength", "SinePositionEncoding")

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) != 2:
            raise ValueError(f"{self!r}: expected inputs (batch, time, features). Received: {(None, *input_shape)}")
        return tuple(input_shape)

    def encoding(self, length: int, width: int, start_index: int = 0) -> np.ndarray:
        """The ``(length, width)`` encoding of positions ``start_index ...`` in the layer's dtype."""
        positions = np.arange(start_index, start_index + length, dtype=np.float64)[:, None]
        i = np.arange(width)
        angles = positions / self.max_wavelength ** (2 * (i // 2) / width)
        return np.where(i % 2 == 0, np.sin(angles), np.cos(angles)).astype(self.dtype)

    def forward(self, x: np.ndarray, training: bool = False, start_index: int = 0) -> np.ndarray:
        y = self.buffer("y", x.shape)
        y[...] = self.encoding(x.shape[1], x.shape[2], start_index)
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return np.zeros_like(grad_out)

    def get_config(self) -> dict[str, Any]:
        return {"max_wavelength": self.max_wavelength}
