"""GELU: the input weighted by the chance that a standard normal falls below it (Hendrycks and Gimpel, 2016)."""

from __future__ import annotations

import math

import numpy as np

from .. import _erf
from .base import Activation
from .sigmoid import Sigmoid

SQRT_HALF = math.sqrt(0.5)
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
TANH_SCALE, CUBIC = 2 * math.sqrt(2 / math.pi), 0.044715  # 2u = TANH_SCALE * (z + CUBIC * z**3)
TANH_CLIP = 30.0  # beyond: |2u| > 1900, so sigmoid(2u) is exactly 0 or 1; and 30**3 fits in float32
PDF_CLIP = 40.0  # beyond: exp(-z**2 / 2) < 1e-347 is exactly 0


class GELU(Activation):
    """``z * Phi(z)``, elementwise, Phi the standard normal CDF (Keras's ``gelu``, PyTorch's ``GELU``).

    Forward and backward (shapes unchanged), with ``g`` the gate and ``g'`` its slope::

        y = z * g                          dJ/dz = dJ/dy * (g + z g')
        exact:        g = Phi(z) = 0.5 (1 + erf(z / sqrt(2))) = 0.5 erfc(-z / sqrt(2))
                      g' = phi(z) = exp(-z**2 / 2) / sqrt(2 pi)
        approximate:  g = 0.5 (1 + tanh(u)) = sigmoid(2u),   u = sqrt(2 / pi) (z + 0.044715 z**3)
                      g' = g (1 - g) 2u',                     2u' = 2 sqrt(2 / pi) (1 + 3 * 0.044715 z**2)

    Phi is taken from erfc (`tinyframe._erf`: Cody's rational approximations, a few
    ulp), so it keeps its relative accuracy deep in the left tail (Phi(-30) ~ 5e-198,
    where ``1 + erf`` would give 0), up to the conditioning of Phi itself (about
    ``z**2`` ulp from rounding ``z / sqrt(2)``). The tanh form is computed as
    ``sigmoid(2u)`` (`Sigmoid`'s kernel), which has no cancellation for ``u << 0``,
    from ``z`` clipped to +-30, beyond which the gate is exactly 0 or 1. Nothing
    overflows for any finite ``z`` in float32 or float64; ``g`` is kept from forward.

    Args:
        approximate: False (Keras 3's default) for the exact erf form; True for the
            tanh approximation (BERT's, PyTorch's ``approximate="tanh"``): several
            times faster, within 5e-4 of the exact values.

    Example:
        >>> import numpy as np
        >>> GELU().build().forward(np.array([[-1.0, 0.0, 1.0]]))
        array([[-0.15865525,  0.        ,  0.84134475]])
        >>> GELU(approximate=True).build().forward(np.array([[-1.0, 0.0, 1.0]]))
        array([[-0.15880801,  0.        ,  0.84119199]])
    """

    def __init__(self, approximate: bool = False) -> None:
        super().__init__()
        if not isinstance(approximate, (bool, np.bool_)):
            raise TypeError(f"GELU: approximate must be True or False. Received: approximate={approximate!r}")
        self.approximate = bool(approximate)

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        g = self.buffer("g", x.shape)
        if self.approximate:
            np.clip(x, -TANH_CLIP, TANH_CLIP, out=out)
            np.square(out, out=g)
            g *= CUBIC
            g += 1
            g *= out
            g *= TANH_SCALE  # 2u
            Sigmoid.function(self, g, g)
        else:
            np.multiply(x, -SQRT_HALF, out=out)
            _erf.erfc(out, g, self._work(x.shape))
            g *= 0.5
        self._g = g  # for backward (this step's; fit owns the layer meanwhile)
        return np.multiply(x, g, out=out)

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        g = self._g
        w0, w1, _ = self._work(x.shape)
        if self.approximate:
            np.clip(x, -TANH_CLIP, TANH_CLIP, out=w0)
            np.square(w0, out=w0)
            w0 *= 3 * CUBIC
            w0 += 1
            w0 *= TANH_SCALE  # 2u'
            np.subtract(1, g, out=out)
            out *= g
            out *= w0
        else:
            np.abs(x, out=w0)
            np.minimum(w0, PDF_CLIP, out=w0)
            _erf.exp_minus_square(w0, out, w1, scale=0.5)
            out *= INV_SQRT_2PI
        out *= x  # z g': 0 where g' is, for every finite z
        out += g
        out *= grad
        return out

    def _work(self, shape: tuple[int, ...]) -> list[np.ndarray]:
        return [self.buffer(f"work{i}", shape) for i in range(3)]

    def get_config(self) -> dict:
        return {"approximate": self.approximate}
