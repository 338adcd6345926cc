"""Fit the float32 Mills ratio behind GELU's exact gate: ``python -m benchmarks.fit_mills_ratio``.

The Mills ratio (J. P. Mills, Biometrika 18, 1926) of the standard normal,
``m(a) = Phi(-a) / phi(a) = sqrt(pi / 2) exp(a**2 / 2) erfc(a / sqrt(2))``, is smooth,
positive and decreasing on ``a >= 0``, from ``m(0) = sqrt(pi / 2)`` to ``m(a) ~ 1 / a``.
`tinyframe._normal32` takes it as ``m(a) = 1 / (a + f(a))``: ``f(a) = 1 / m(a) - a`` falls
from 0.80 to ``~1 / a``, and an error in f moves m only by the share ``f / (a + f)`` of
it (under 1/200 at a = 14). A rational ``f ~ P(a) / Q(a)`` of degree 4 / 5 (both monic, as f ~ 1/a)
holds m to about 1e-9 relative on ``[0, 14.5]``, the interval where Phi(-a) is not 0
in float32.

The fit minimises the largest relative error of m by iteratively reweighted linear
least squares: each round solves ``P(a) - f(a) Q(a) ~ 0`` in the weighted least-squares
sense, weighted by ``1 / ((a + f) Q_previous)`` so that it approaches the relative error
of ``1 / (a + P / Q)`` (Sanathanan and Koerner, IEEE Trans. Automatic Control 8, 1963,
56-58), and multiplies the weights by the error's square root (Lawson's algorithm, in
C. L. Lawson's 1961 thesis, "Contributions to the theory of linear least maximum
approximation", UCLA), which moves the solution towards the minimax one. The reference
is ``math.erfc`` (glibc, < 1 ulp in float64, about 1e-14 relative here: far below the
float32 target).
"""

from __future__ import annotations

import math

import numpy as np

END = 14.5  # Phi(-a) and phi(a) round to 0 in float32 beyond (Phi(-14.2) < 2**-150)
NUM, DEN = 4, 5  # degrees, both monic: f ~ 1/a at infinity


def mills(a: np.ndarray) -> np.ndarray:
    """``Phi(-a) / phi(a)`` in float64 from ``math.erfc``."""
    return np.array([math.sqrt(math.pi / 2) * math.exp(v * v / 2) * math.erfc(v / math.sqrt(2)) for v in a])


def fit(rounds: int = 60, points: int = 6000) -> tuple[np.ndarray, np.ndarray, float]:
    """``(P, Q, max relative error)``, coefficients highest degree first, P and Q monic, all float32 numbers.

    The coefficients are rounded to float32 one at a time, each time refitting the others
    (the float32 kernel rounds them anyway; rounding all at once costs 5 times the error),
    the constant terms first, as the pair of float32 numbers whose quotient is nearest f(0),
    then the one whose term weighs most in its polynomial first and the lightest last; then
    single coefficients are moved by one float32 ulp while that lowers the largest error.
    """
    a = END * (1 - np.cos(np.linspace(0, np.pi, points))) / 2  # Chebyshev-spaced: dense at both ends
    f = 1 / mills(a) - a
    V = np.hstack([np.vander(a, NUM), -f[:, None] * np.vander(a, DEN)])  # unknowns: P, then Q, but their leading 1s
    s, fixed = np.zeros(V.shape[1]), np.zeros(V.shape[1], dtype=bool)
    q, lawson = np.ones_like(a), np.ones_like(a)
    order = None
    for i in range(rounds + V.shape[1] - 1):
        w = lawson / ((a + f) * q)  # P - f Q ~ 0, weighted to the relative error of 1 / (a + P / Q)
        rhs = (f * a**DEN - a**NUM - V[:, fixed] @ s[fixed]) * w
        s[~fixed] = np.linalg.lstsq(V[:, ~fixed] * w[:, None], rhs, rcond=None)[0]
        q, err = np.polyval(_split(s)[1], a), _relative_error(s, a, f)
        if 10 <= i < rounds:  # first let the pole weights settle
            lawson *= np.sqrt(err)
            lawson /= lawson.mean()
        if i == rounds:  # then round: first the constant terms, whose ratio is f(0), together
            s[NUM - 1], s[-1] = _ratio_pair(s[NUM - 1], s[-1], f[0])
            fixed[NUM - 1] = fixed[-1] = True
        elif i > rounds:  # then one coefficient more each round
            if order is None:  # each term's largest share of its polynomial (the leading 1s are exact)
                share = np.abs(V * s)
                share[:, :NUM] /= np.polyval(_split(s)[0], a)[:, None]
                share[:, NUM:] /= (f * q)[:, None]
                order = np.argsort(-share.max(axis=0))
            j = order[~fixed[order]][0]
            s[j], fixed[j] = np.float32(s[j]), True
    return (*_split(s), _nudge(s, a, f))


def _nudge(s: np.ndarray, a: np.ndarray, f: np.ndarray) -> float:
    """Move coefficients (in place) by one float32 ulp at a time while that lowers the largest error; return it."""
    best = _relative_error(s, a, f).max()
    improved = True
    while improved:
        improved = False
        for j in range(len(s)):
            for toward in (-np.inf, np.inf):
                old, s[j] = s[j], np.nextafter(np.float32(s[j]), np.float32(toward))
                err = _relative_error(s, a, f).max()
                if err < best:
                    best, improved = err, True
                else:
                    s[j] = old
    return float(best)


def _ratio_pair(p: float, q: float, ratio: float, steps: int = 200) -> tuple[float, float]:
    """float32 numbers near p and q whose quotient is nearest ``ratio`` (here f(0) = sqrt(2 / pi))."""
    qs = np.float32(q) + np.arange(-steps, steps + 1) * np.spacing(np.float32(q))
    ps = (qs.astype(np.float64) * ratio).astype(np.float32)
    k = np.argmin(np.abs(ps.astype(np.float64) / qs - ratio))
    return float(ps[k]), float(qs[k])


def _split(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([[1.0], s[:NUM]]), np.concatenate([[1.0], s[NUM:]])


def _relative_error(s: np.ndarray, a: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Of m = 1 / (a + f), from the error of the fitted f."""
    P, Q = _split(s)
    return np.abs(np.polyval(P, a) / np.polyval(Q, a) - f) / (a + f)


def main() -> None:
    P, Q, err = fit()
    print(f"max relative error of m = 1 / (a + P/Q) on [0, {END}] with float32 coefficients: {err:.2e}")
    for name, c in (("P", P), ("Q", Q)):
        print(f"{name} = ({', '.join(repr(float(np.float32(v))) for v in c)})")


if __name__ == "__main__":
    main()
