"""The standard normal CDF Phi and density phi of a float32 array, to float32 accuracy, in one go.

For GELU's exact gate (Keras's default) in float32, where `tinyframe._erf` (float64-accurate
erfc, ~80 passes over the array) does 3 times the work the float32 result needs::

    phi(z)   = exp(-z**2 / 2 - log(sqrt(2 pi)))        in float64, rounded once to float32
    Phi(-a)  = phi(a) m(a),  a = |z|                   m(a) = Phi(-a) / phi(a), the Mills ratio
    1 / m(a) = c + a + a T(a),  c = sqrt(2 / pi)       T(a) ~= P(a) / Q(a), degree 3 / 4
    Phi(z)   = |h - Phi(-a)|,  h = 1 if z > 0 else 0   a clipped to [0, 14.5]

* The exponent is taken in float64, where ``z**2 / 2`` is exact (24 + 24 bits < 53):
  rounded to float32 it would cost up to ``z**2 / 2`` ulp (80 ulp at z = -13).
* ``Phi(-a) = phi(a) m(a)`` keeps its relative accuracy into the far left tail, down to
  the subnormals, and for z > 0, ``1 - Phi(-a)`` has no cancellation (Phi(-a) <= 1/2);
  ``h - Phi(-a)`` is exact where h = 0, and its absolute value is Phi in both cases.
* T(a) falls from ``2 / pi - 1`` to ``~ -c / a``, and an error in T moves ``1 / m``
  only by the share ``a |T| / (1 / m)`` of it: 0 at a = 0, under 0.19 anywhere, c / a
  for large a. So the 14 roundings of P / Q count little: ``1 / m`` comes within 1.96
  float32 rounding errors (2**-24 relative) of its value, and Phi(-a) within 4.
* Beyond a = 14.5 phi(a) is 0 in float32, so clipping a there changes nothing and keeps
  ``a**4`` finite for any finite z; ``z**2`` (<= 1.2e77) is finite in float64.

P and Q minimise the largest relative error of ``1 / m`` on [0, 14.5]: iteratively
reweighted linear least squares on ``P - T Q``, weighted towards that error (Sanathanan
and Koerner, IEEE Trans. Automatic Control 8, 1963; Lawson's reweighting towards the
minimax error), against ``math.erfc``; then rounded to float32 one coefficient at a time
with the rest refitted: 3.0e-8 relative with c rounded to float32 (half of that from c's
rounding, at a = 0), half a float32 rounding error. The source tree's
benchmarks/fit_mills_ratio.py reproduces them.

Measured against ``math.erfc`` and ``math.exp`` at every 16th float32 of 1e-6 <= |z| <= 16
(25 million points; tests/test_gelu.py repeats this on a sparser grid): Phi within
3.01 ulp (at z = -0.731) where it is a normal float, within 1.2 subnormal steps below;
phi within 0.5 ulp. At every float32 of 0.70 <= |z| <= 0.76, around that maximum: 3.15
ulp (z = -0.7085). About 27 passes over the array, 4 of them in float64, by
blocks that stay in cache.

>>> import numpy as np
>>> z = np.array([-3.0, 0.0, 1.0], dtype=np.float32)
>>> cdf, pdf = np.empty_like(z), np.empty_like(z)
>>> cdf_and_pdf(z, cdf, pdf, np.empty(3), [np.empty(3, np.float32) for _ in range(2)])
>>> cdf, pdf
(array([0.0013499, 0.5      , 0.8413447], dtype=float32), array([0.00443185, 0.3989423 , 0.24197072], dtype=float32))
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# highest degree first (Horner); Q is monic
P = (-0.7978184223175049, -6.43621826171875, -22.68470573425293, -36.50452423095703)
Q = (1.0, 9.315614700317383, 40.197509765625, 92.56095886230469, 100.45821380615234)
C = math.sqrt(2 / math.pi)  # 1 / m(0); like P and Q, rounded to float32 where it meets the float32 arrays
END = 14.5  # phi(14.5) ~ 9e-47 rounds to 0 in float32
LOG_SQRT_2PI = math.log(2 * math.pi) / 2
BLOCK = 2**16  # elements a block: 1.75 MB for its five float32 arrays and one float64 (7-10% faster than unblocked)


def cdf_and_pdf(z: np.ndarray, cdf: np.ndarray, pdf: np.ndarray, work64: np.ndarray, work: Sequence[np.ndarray]):
    """``cdf = Phi(z)``, ``pdf = phi(z)`` for a float32 array ``z``; ``cdf`` and ``pdf`` are C-contiguous.

    ``work64`` (float64) and ``work`` (two float32 arrays) are flat scratch arrays of
    ``min(z.size, BLOCK)`` elements: the work goes by blocks of BLOCK elements, whose
    six arrays stay in a core's cache through the ~27 passes.
    """
    z, cdf, pdf = z.reshape(-1), cdf.reshape(-1), pdf.reshape(-1)
    for start in range(0, z.size, BLOCK):
        block = slice(start, start + BLOCK)
        n = len(z[block])
        _block(z[block], cdf[block], pdf[block], work64[:n], work[0][:n], work[1][:n])


def _block(z, cdf, pdf, work64, a, num) -> None:
    """The formulas above on one block (flat arrays of one length)."""
    den = cdf  # the last array written: first a work array
    np.copyto(work64, z)
    np.square(work64, out=work64)
    work64 *= -0.5
    work64 -= LOG_SQRT_2PI  # rounds by 1e-14 at most: nothing in float32
    np.exp(work64, out=pdf)  # phi(z), computed in float64, rounded once to float32
    np.clip(z, -END, END, out=a)
    np.abs(a, out=a)
    np.multiply(a, P[0], out=num)
    num += P[1]
    for c in P[2:]:
        num *= a
        num += c
    np.add(a, Q[1], out=den)
    for c in Q[2:]:
        den *= a
        den += c
    num /= den  # T(a)
    num *= a
    num += C
    num += a  # 1 / m(a)
    np.divide(pdf, num, out=num)  # Phi(-a)
    h = np.greater(z, 0.0, out=a)  # 0/1 (0 at z = -0 and +0, where Phi(-a) = 1/2 anyway)
    np.subtract(h, num, out=cdf)  # -Phi(-a), exact, where z <= 0; 1 - Phi(-a), one rounding, where z > 0
    np.abs(cdf, out=cdf)
