"""GELU: the input weighted by the chance that a standard normal falls below it (Hendrycks and Gimpel, 2016)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _erf, _normal32, _scratch
from .base import Activation, apply
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

    In float64, Phi is taken from erfc (computed with W. J. Cody's rational approximations,
    a few ulp), so it keeps its relative accuracy deep in the left tail (Phi(-30) ~ 5e-198,
    where ``1 + erf`` would give 0), up to the conditioning of Phi itself (about
    ``z**2`` ulp from rounding ``z / sqrt(2)``). In float32, Phi and phi come together
    from a float32 kernel (``Phi(-|z|) = phi(z) m(|z|)``, m the Mills ratio from a
    fitted rational function; 3 times faster): within 4 ulp (3.15 measured) and 0.5 ulp
    where they are normal floats; phi is kept from forward for backward (7 times faster).
    The tanh form is computed as ``sigmoid(2u)`` (`Sigmoid`'s kernel), which has no
    cancellation for ``u << 0``, from ``z`` clipped to +-30, beyond which the gate is
    exactly 0 or 1. Nothing overflows for any finite ``z`` in float32 or float64; ``g``
    is kept from forward.

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
        (self._tanh_gate if self.approximate else self._erf_gate)(x, g, out)
        self._g = g  # for backward (this step's; fit owns the layer meanwhile)
        return np.multiply(x, g, out=out)

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        slope = (self._tanh_slope if self.approximate else self._erf_slope)(x, self._g, out)
        np.multiply(slope, x, out=out)  # z g': 0 where g' is, for every finite z
        out += self._g
        out *= grad
        return out

    def _erf_gate(self, x: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> None:
        if x.dtype == np.float32:  # Phi and phi to float32 accuracy; phi kept for backward
            self._pdf = self.buffer("pdf", x.shape)
            n = (min(x.size, _normal32.BLOCK),)
            work = [self.buffer(f"block{i}", n) for i in range(2)]
            _normal32.cdf_and_pdf(x, g, self._pdf, _scratch.buffer(self, "block64", n, np.float64), work)
            return
        np.multiply(x, -SQRT_HALF, out=tmp)
        _erf.erfc(tmp, g, [self.buffer(f"work{i}", x.shape) for i in range(3)])
        g *= 0.5

    def _erf_slope(self, x: np.ndarray, g: np.ndarray, out: np.ndarray) -> np.ndarray:
        if x.dtype == np.float32:
            return self._pdf
        a = np.abs(x, out=self.buffer("work0", x.shape))
        np.minimum(a, PDF_CLIP, out=a)
        _erf.exp_minus_square(a, out, self.buffer("work1", x.shape), scale=0.5)
        out *= INV_SQRT_2PI
        return out

    def _tanh_gate(self, x: np.ndarray, g: np.ndarray, tmp: np.ndarray) -> None:
        np.clip(x, -TANH_CLIP, TANH_CLIP, out=tmp)
        np.square(tmp, out=g)
        g *= CUBIC
        g += 1
        g *= tmp
        g *= TANH_SCALE  # 2u
        Sigmoid.function(self, g, g)

    def _tanh_slope(self, x: np.ndarray, g: np.ndarray, out: np.ndarray) -> np.ndarray:
        du = np.clip(x, -TANH_CLIP, TANH_CLIP, out=self.buffer("work0", x.shape))
        np.square(du, out=du)
        du *= 3 * CUBIC
        du += 1
        du *= TANH_SCALE  # 2u'
        np.subtract(1, g, out=out)
        out *= g
        out *= du
        return out

    def get_config(self) -> dict:
        return {"approximate": self.approximate}


def gelu(x: Any, approximate: bool = False) -> np.ndarray:
    """Keras's ``keras.activations.gelu``: ``x * Phi(x)`` on an array, as a new array (`GELU`'s kernel).

    >>> gelu([-1.0, 0.0, 1.0])
    array([-0.15865525,  0.        ,  0.84134475])
    """
    return apply(GELU(approximate), x)
