"""Fit the float32 Mills ratio behind GELU's exact gate: ``python -m benchmarks.fit_mills_ratio``.

The Mills ratio (J. P. Mills, Biometrika 18, 1926) of the standard normal,
``m(a) = Phi(-a) / phi(a) = sqrt(pi / 2) exp(a**2 / 2) erfc(a / sqrt(2))``, is smooth,
positive and decreasing on ``a >= 0``, from ``m(0) = sqrt(pi / 2)`` to ``m(a) ~ 1 / a``.
`tinyframe._normal32` takes its reciprocal as ``1 / m(a) = c + a + a T(a)``, with
``c = sqrt(2 / pi)`` and ``T(a) ~ P(a) / Q(a)`` of degree 3 / 4 (Q monic); T falls from
``2 / pi - 1`` to ``~ -c / a``, and an error in T moves ``1 / m`` only by the share
``a |T| / (c + a + a T)`` of it: 0 at a = 0, under 0.19 anywhere, c / a for large a.
This fit holds ``1 / m`` to 3.0e-8 relative on ``[0, 14.5]``, the interval where Phi(-a)
is not 0 in float32, with float32 coefficients and c (half of it from c's rounding).

The fit minimises the largest relative error of ``1 / m`` by iteratively reweighted
linear least squares: each round solves ``P(a) - T(a) Q(a) ~ 0`` in the weighted
least-squares sense, weighted by ``a / (Q_previous / m)`` so that it approaches that
relative error (Sanathanan and Koerner, IEEE Trans. Automatic Control 8, 1963, 56-58),
and multiplies the weights by the error's square root (Lawson's algorithm, in C. L.
Lawson's 1961 thesis, "Contributions to the theory of linear least maximum
approximation", UCLA), which moves the solution towards the minimax one. The reference
is ``math.erfc`` (glibc, < 1 ulp in float64, about 1e-14 relative here: far below the
float32 target).
"""

from __future__ import annotations

import math

import numpy as np

END = 14.5  # Phi(-a) and phi(a) round to 0 in float32 beyond (Phi(-14.2) < 2**-150)
NUM, DEN = 3, 4  # degrees, Q monic: T ~ -c/a at infinity
C = float(np.float32(math.sqrt(2 / math.pi)))  # 1 / m(0), as the kernel has it


def mills(a: np.ndarray) -> np.ndarray:
    """``Phi(-a) / phi(a)`` in float64 from ``math.erfc``."""
    return np.array([math.sqrt(math.pi / 2) * math.exp(v * v / 2) * math.erfc(v / math.sqrt(2)) for v in a])


def fit(rounds: int = 60, points: int = 6000) -> tuple[np.ndarray, np.ndarray, float]:
    """``(P, Q, max relative error of 1/m)``, coefficients highest degree first, Q monic, all float32 numbers.

    The coefficients are rounded to float32 one at a time, each time refitting the others
    (the float32 kernel rounds them anyway), the one whose term weighs most in its
    polynomial first and the lightest last; then single coefficients are moved by one
    float32 ulp while that lowers the largest error.
    """
    a = END * (1 - np.cos(np.linspace(0, np.pi, points))) / 2  # Chebyshev-spaced: dense at both ends
    a = a[1:]  # T is (1/m - c - a) / a: not at 0
    inv_m = 1 / mills(a)
    T = (inv_m - C - a) / a
    V = np.hstack([np.vander(a, NUM + 1), -T[:, None] * np.vander(a, DEN)])  # unknowns: P, then Q but its 1
    s, fixed = np.zeros(V.shape[1]), np.zeros(V.shape[1], dtype=bool)
    q, lawson = np.ones_like(a), np.ones_like(a)
    order = None
    for i in range(rounds + V.shape[1]):
        w = lawson * a / (inv_m * q)  # P - T Q ~ 0, weighted to the relative error of c + a + a P / Q
        rhs = (T * a**DEN - V[:, fixed] @ s[fixed]) * w
        s[~fixed] = np.linalg.lstsq(V[:, ~fixed] * w[:, None], rhs, rcond=None)[0]
        q, err = np.polyval(_split(s)[1], a), _relative_error(s, a, inv_m)
        if 10 <= i < rounds:  # first let the pole weights settle
            lawson *= np.sqrt(err)
            lawson /= lawson.mean()
        elif i >= rounds:  # then round one coefficient more each round
            if order is None:  # each term's largest share of its polynomial (Q's leading 1 is exact)
                share = np.abs(V * s)
                share[:, : NUM + 1] /= np.abs(np.polyval(_split(s)[0], a))[:, None]
                share[:, NUM + 1 :] /= np.abs(T * q)[:, None]
                order = np.argsort(-share.max(axis=0))
            j = order[i - rounds]
            s[j], fixed[j] = np.float32(s[j]), True
    return (*_split(s), _nudge(s, a, inv_m))


def _nudge(s: np.ndarray, a: np.ndarray, inv_m: np.ndarray) -> float:
    """Move coefficients (in place) by one float32 ulp at a time while that lowers the largest error; return it."""
    best = _relative_error(s, a, inv_m).max()
    improved = True
    while improved:
        improved = False
        for j in range(len(s)):
            for toward in (-np.inf, np.inf):
                old, s[j] = s[j], np.nextafter(np.float32(s[j]), np.float32(toward))
                err = _relative_error(s, a, inv_m).max()
                if err < best:
                    best, improved = err, True
                else:
                    s[j] = old
    return float(best)


def _split(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return s[: NUM + 1], np.concatenate([[1.0], s[NUM + 1 :]])


def _relative_error(s: np.ndarray, a: np.ndarray, inv_m: np.ndarray) -> np.ndarray:
    """Of ``1/m = c + a + a P / Q`` (float64 arithmetic)."""
    P, Q = _split(s)
    return np.abs(C + a + a * np.polyval(P, a) / np.polyval(Q, a) - inv_m) / inv_m


def main() -> None:
    P, Q, err = fit()
    print(f"max relative error of 1/m = c + a + a P/Q on [0, {END}] with float32 coefficients: {err:.2e}")
    for name, c in (("P", P), ("Q", Q)):
        print(f"{name} = ({', '.join(repr(float(np.float32(v))) for v in c)})")


if __name__ == "__main__":
    main()
