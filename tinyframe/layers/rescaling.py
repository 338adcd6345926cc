"""Rescaling: multiplies its input by a constant and adds another (Keras's preprocessing layer, pixels to [0, 1])."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import check_values
from .base import Layer


class Rescaling(Layer):
    """``y = x * scale + offset``, with constants, no parameters (Keras 3's ``Rescaling``).

    Forward and backward, for ``x`` of any shape ``(m, d1, ..., dk)``::

        y     = x * scale + offset
        dJ/dx = dJ/dy * scale

    ``scale`` and ``offset`` are numbers, or lists of ``dk`` numbers (one per channel,
    broadcast on the last axis, channels last as in Keras). ``Rescaling(1 / 255)`` takes
    pixels from [0, 255] to [0, 1], ``Rescaling(1 / 127.5, offset=-1)`` to [-1, 1]. The
    shape is unchanged.

    Args:
        scale: the factor, a finite number or a list of them.
        offset: what is added after, a finite number or a list of them (0.0).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> Rescaling(1 / 127.5, offset=-1.0).build((3,), dtype="float64").forward(np.array([[0.0, 127.5, 255.0]]))
        array([[-1.,  0.,  1.]])
    """

    supports_masking = True  # a mask passes through unchanged (tinyframe.layers.masks)

    def __init__(self, scale: float | Sequence[float], offset: float | Sequence[float] = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = check_values(scale, "scale", "Rescaling")
        self.offset = check_values(offset, "offset", "Rescaling")

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        for name, value in (("scale", self.scale), ("offset", self.offset)):
            if isinstance(value, list) and len(value) != 1 and (not input_shape or input_shape[-1] != len(value)):
                raise ValueError(
                    f"{self!r}: {name} has {len(value)} values, one per channel of the last axis, so it expects "
                    f"inputs with {len(value)} channels last. Received: input shape {tuple(input_shape)}"
                )
        return tuple(input_shape)

    def build(self, input_shape: tuple[int, ...]) -> None:
        self._scale = np.asarray(self.scale, self.dtype)  # constants in the model's dtype, broadcast on the last axis
        self._offset = np.asarray(self.offset, self.dtype)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y = np.multiply(x, self._scale, out=self.buffer("y", x.shape))
        y += self._offset
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return np.multiply(grad_out, self._scale, out=self.buffer("grad_in", grad_out.shape))

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "offset": self.offset}
