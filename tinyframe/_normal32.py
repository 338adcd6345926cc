"""The standard normal CDF Phi and density phi of a float32 array, to float32 accuracy, in one go.

For GELU's exact gate (Keras's default), where `tinyframe._erf` (float64-accurate
erfc, ~80 passes over the array) spent 4 times what the float32 result needs::

    phi(z)  = exp(-z**2 / 2) / sqrt(2 pi)        z**2 / 2 exact in float64 (24 + 24 bits < 53)
    Phi(-a) = phi(a) m(a),   a = |z|             m(a) = Phi(-a) / phi(a), the Mills ratio
    m(a)   ~= P(a) / Q(a)                        degree 4 / 5, a clipped to [0, 14.5]
    Phi(z)  = |h - Phi(-a)|,  h = 1 if z > 0 else 0

The exponent is taken in float64 because its rounding in float32 would cost ``z**2 / 2``
ulp (80 ulp at z = -13): in float64 phi is correctly rounded to float32 but for
1e-16. Phi(-a) = phi(a) m(a) keeps its relative accuracy into the far left tail, down
to the subnormals, and for z > 0, ``1 - Phi(-a)`` has no cancellation (Phi(-a) <= 1/2).
Beyond a = 14.5 phi(a) is 0 in float32, so clipping a there changes nothing and
keeps ``a**5`` finite for any finite z; z**2 (<= 1.2e77) is finite in float64.

P and Q minimise the largest relative error of m on [0, 14.5] (Mills ratio from
``math.erfc``; iteratively reweighted least squares on ``P - m Q``, with weights
``1 / (m Q)`` as in Sanathanan and Koerner, IEEE Trans. Automatic Control 8 (1963), and
Lawson's reweighting towards the minimax error), rounded to float32 one coefficient
at a time with the others refitted: 2.3e-8 relative, below half a float32 ulp. The
source tree's benchmarks/fit_mills_ratio.py reproduces them.

Measured against ``math.erfc`` and ``math.exp`` at every float32 on [-16, 16] with
|z| >= 1e-3 and a log grid beyond (tests/test_gelu.py repeats this on a sparser grid): Phi
within 2 ulp where it is a normal float, phi within 1 ulp. Costs ~30 passes; 4 of them
on float64.

>>> import numpy as np
>>> z = np.array([-3.0, 0.0, 1.0], dtype=np.float32)
>>> cdf, pdf = np.empty_like(z), np.empty_like(z)
>>> cdf_and_pdf(z, cdf, pdf, np.empty(3), [np.empty_like(z) for _ in range(2)])
>>> cdf, pdf
(array([0.0013499, 0.5      , 0.8413447], dtype=float32), array([0.00443185, 0.3989423 , 0.24197072], dtype=float32))
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# highest degree first (Horner); P and Q are monic
P = (1.0, 11.371895790100098, 60.77437210083008, 178.05419921875, 266.38238525390625)
Q = (1.0, 11.372740745544434, 62.73897933959961, 201.4376220703125, 375.2079772949219, 333.8608093261719)
END = 14.5  # phi(14.5) ~ 9e-47 rounds to 0 in float32
LOG_SQRT_2PI = math.log(2 * math.pi) / 2


def cdf_and_pdf(z: np.ndarray, cdf: np.ndarray, pdf: np.ndarray, work64: np.ndarray, work: Sequence[np.ndarray]):
    """``cdf = Phi(z)``, ``pdf = phi(z)`` for a float32 array ``z``.

    ``work64`` (float64) and ``work`` (two float32 arrays) are scratch of ``z``'s shape.
    """
    a, num = work
    den = cdf  # the last array written: first a work array
    np.copyto(work64, z)
    np.square(work64, out=work64)
    work64 *= -0.5
    work64 -= LOG_SQRT_2PI  # rounds by 1e-14 at most: nothing in float32
    np.exp(work64, out=pdf)  # phi(z), computed in float64, rounded once to float32
    np.clip(z, -END, END, out=a)
    np.abs(a, out=a)
    np.add(a, P[1], out=num)
    for c in P[2:]:
        num *= a
        num += c
    np.add(a, Q[1], out=den)
    for c in Q[2:]:
        den *= a
        den += c
    num /= den
    num += a  # 1 / m(a)
    np.divide(pdf, num, out=num)  # Phi(-a)
    h = np.greater(z, 0.0, out=a)  # 0/1 (0 at z = -0 and +0, where Phi(-a) = 1/2 anyway)
    np.subtract(h, num, out=cdf)  # -Phi(-a), exact, where z <= 0; 1 - Phi(-a), one rounding, where z > 0
    np.abs(cdf, out=cdf)
