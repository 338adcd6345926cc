"""Hypothesis strategies for layers, stacks and data, shared by the gradient checks.

``ELEMENTWISE`` lists factories of width-preserving layers; every new activation or
parameter-free layer is added here, so the random-stack checks cover it.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense

# name -> factory(width) of a layer that keeps the width
ELEMENTWISE = {
    "Sigmoid": lambda width: Sigmoid(),
}

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
