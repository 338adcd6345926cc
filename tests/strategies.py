"""Hypothesis strategies for layers, stacks and data, shared by the gradient checks.

``ELEMENTWISE`` lists factories of width-preserving layers; every new activation or
parameter-free layer is added here, so the random-stack checks cover it.

ReLU and LeakyReLU have a kink at 0, where a finite difference straddling the kink
measures a slope neither side has, and Softmax has a symmetric point where the true
gradient can be exactly 0, below what a finite difference resolves. Checks filter
such examples with ``assume(checkable(model, X))``: see that function.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from tinyframe import Sequential
from tinyframe.activations import ELU, GELU, SELU, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Swish, Tanh
from tinyframe.layers import Dense, Dropout, GaussianNoise, Normalization, Rescaling

# report_worst is kept importable for the test files that still import it by name (a module's
# own fixture of that name is the same function, so it runs once)
from .conftest import WORST, report_worst  # noqa: F401

# name -> factory(width) of a layer that keeps the width. Dropout and GaussianNoise are
# the identity unless a check runs with training=True (tests/test_dropout.py does).
ELEMENTWISE = {
    "Sigmoid": lambda width: Sigmoid(),
    "ReLU": lambda width: ReLU(),
    "LeakyReLU": lambda width: LeakyReLU(0.1),
    "Tanh": lambda width: Tanh(),
    "Softmax": lambda width: Softmax(),
    "Identity": lambda width: Identity(),
    "ELU": lambda width: ELU(0.7),
    "SELU": lambda width: SELU(),
    "Swish": lambda width: Swish(),
    "Softplus": lambda width: Softplus(),
    "GELU": lambda width: GELU(),
    "GELU-tanh": lambda width: GELU(approximate=True),
    "Dropout": lambda width: Dropout(0.3),
    "GaussianNoise": lambda width: GaussianNoise(0.5),
    "Rescaling": lambda width: Rescaling([0.5 + 0.5 * i / width for i in range(width)], offset=-0.25),
    "Normalization": lambda width: Normalization(
        mean=[0.1 * i for i in range(width)], variance=[0.5 + i for i in range(width)]
    ),
}
KINKED = (ReLU, LeakyReLU, ELU)  # activations whose derivative jumps at 0 (ELU unless alpha = 1; SELU too)
CHECK_MARGIN = 1e-2  # > the largest move of a kink input under the check's +-2e-4 steps (|x| <= 3, gains of a few)

TOL = 1e-6  # a wrong gradient gives errors of 1e-2 and more; rounding alone stays far below


def record(name, result):
    """Assert a `GradCheckResult` is within TOL, keeping the worst error seen under ``name``.

    The worst errors are printed at the end of each test module that records some (the
    ``report_worst`` fixture of tests/conftest.py; ``pytest -s`` shows them).
    """
    WORST[name] = max(WORST.get(name, 0.0), result.max_error)
    assert result.max_error < TOL, f"{name}: {result}"


sizes = st.integers(min_value=1, max_value=6)
batch_sizes = st.integers(min_value=1, max_value=5)
seeds = st.integers(min_value=0, max_value=2**31 - 1)


def values(low=-3.0, high=3.0):
    """Floats in [low, high]: zero, or at least 1e-2 from it.

    Finite differences cannot resolve a gradient scaled by an input of 1e-7 (the
    change in J drowns in rounding), so such inputs would test the check, not the code.
    """
    parts = [st.just(0.0)] if low <= 0 <= high else []
    if high > 1e-2:
        parts.append(st.floats(max(low, 1e-2), high))
    if low < -1e-2:
        parts.append(st.floats(low, min(high, -1e-2)))
    return st.one_of(parts)


def arrays(shape, low=-3.0, high=3.0):
    """float64 arrays of ``shape`` with values drawn by Hypothesis (not a seeded RNG)."""
    n = int(np.prod(shape))
    values_ = st.lists(values(low, high), min_size=n, max_size=n)
    return values_.map(lambda v: np.array(v, dtype=np.float64).reshape(shape))


@st.composite
def stacks(draw, elementwise=None, max_dense=3):
    """A random float64 Sequential: Dense layers of random widths, each followed by 0-2 elementwise layers.

    Returns ``(model, n_in, n_out)``. The first layer is always Dense, so every
    elementwise layer has a layer in front of it.
    """
    names = sorted(elementwise or ELEMENTWISE)
    widths = draw(st.lists(sizes, min_size=2, max_size=max_dense + 1))
    layers = []
    for w_in, w_out in zip(widths, widths[1:]):
        layers.append(Dense(w_in, w_out))
        for name in draw(st.lists(st.sampled_from(names), max_size=2)):
            layers.append(ELEMENTWISE[name](w_out))
    model = Sequential(layers, dtype="float64", seed=draw(seeds))
    return model, widths[0], widths[-1]


def _inputs_of(model, X, training, kinds):
    """The inputs of every layer of ``kinds`` for ``X``; the Generator is left as it was (same dropout mask)."""
    state = model.rng.bit_generator.state
    found = []
    for layer in model.layers:
        if isinstance(layer, kinds):
            found.append(np.array(X))
        X = layer.forward(X, training=training)
    model.rng.bit_generator.state = state
    return found


def checkable(model, X, training=False, margin=CHECK_MARGIN):
    """True if central differences can check ``model`` at ``X``; use as ``assume(checkable(model, X))``.

    Two kinds of points are filtered out:

    * A ReLU/LeakyReLU input within ``margin`` of its kink at 0, which the check's
      small steps could move across. An input that stays exactly put under a tiny
      random nudge of ``X`` and every parameter (a zero from a ReLU in front, or a
      unit dropped by Dropout) is safe however small. A zero that comes from a zero
      row of ``X`` through a zero bias moves with the bias, and is filtered.
    * A Softmax row (width > 1) whose inputs are all within ``margin`` of each other:
      at that symmetric point a row-constant upstream gradient (a zero row of ``X``
      and a constant row of targets) has an exact zero gradient. Central differences
      leave about ``1e-12 * |J|`` of rounding there, above what ``TOL`` allows at
      gradcheck's floor, so the check would fail on a correct gradient.
    """
    rows = _inputs_of(model, X, training, Softmax)
    if any(z.shape[-1] > 1 and np.any(np.ptp(z, axis=-1) < margin) for z in rows):
        return False
    before = _inputs_of(model, X, training, KINKED)
    if not before:
        return True
    nudge = np.random.default_rng(0)
    saved = [p.copy() for p in model.params]
    for p in model.params:
        p += nudge.uniform(-1e-6, 1e-6, p.shape)
    after = _inputs_of(model, X + nudge.uniform(-1e-6, 1e-6, X.shape), training, KINKED)
    for p, value in zip(model.params, saved):
        p[...] = value
    return all(np.all((np.abs(z) >= margin) | (z == moved)) for z, moved in zip(before, after))
