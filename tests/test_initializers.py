"""Initialisers: the distributions they promise, by name or callable, reproducible, in the model's dtype."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, initializers
from tinyframe.layers import Dense

NAMES = [
    "zeros",
    "ones",
    "random_sample",
    "uniform",
    "normal",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
]
FAN_IN, FAN_OUT = 300, 200
SHAPE = (FAN_IN, FAN_OUT)  # 60 000 draws: sample moments within a few per cent


def draw(name, shape=SHAPE, dtype="float64", seed=0):
    return initializers.get(name)(shape, np.random.default_rng(seed), dtype)


@pytest.mark.parametrize(
    "name, low, high",
    [
        ("random_sample", 0.0, 1.0),  # the article's [0, 1)
        ("uniform", -0.05, 0.05),
        ("glorot_uniform", -math.sqrt(6 / (FAN_IN + FAN_OUT)), math.sqrt(6 / (FAN_IN + FAN_OUT))),
        ("he_uniform", -math.sqrt(6 / FAN_IN), math.sqrt(6 / FAN_IN)),
    ],
)
def test_uniform_families_fill_their_interval(name, low, high):
    w = draw(name)
    assert low <= w.min() < low + 0.01 * (high - low) and high - 0.01 * (high - low) < w.max() < high
    assert w.std() == pytest.approx((high - low) / math.sqrt(12), rel=0.02)  # the uniform's standard deviation


@pytest.mark.parametrize(
    "name, std",
    [("normal", 0.05), ("glorot_normal", math.sqrt(2 / (FAN_IN + FAN_OUT))), ("he_normal", math.sqrt(2 / FAN_IN))],
)
def test_normal_families_have_their_spread(name, std):
    w = draw(name)
    assert abs(w.mean()) < 0.02 * std * 5 and w.std() == pytest.approx(std, rel=0.02)


def test_constants():
    assert np.array_equal(draw("zeros", (2, 3)), np.zeros((2, 3)))
    assert np.array_equal(draw("ones", (4,)), np.ones(4))


def test_general_uniform_and_normal_take_their_parameters():
    rng = np.random.default_rng(0)
    w = initializers.uniform((1000,), rng, "float64", low=2.0, high=3.0)
    assert 2.0 <= w.min() and w.max() < 3.0
    w = initializers.normal((20000,), rng, "float64", mean=5.0, stddev=0.1)
    assert w.mean() == pytest.approx(5.0, abs=0.005) and w.std() == pytest.approx(0.1, rel=0.03)


@pytest.mark.parametrize("name", NAMES)
@given(shape=st.tuples(st.integers(1, 5), st.integers(1, 5)) | st.tuples(st.integers(1, 5)), seed=st.integers(0, 100))
def test_shape_dtype_and_reproducibility(name, shape, seed):
    w64, w32 = draw(name, shape, "float64", seed), draw(name, shape, "float32", seed)
    assert w64.shape == shape and w64.dtype == np.float64 and w32.dtype == np.float32
    assert np.array_equal(w32, w64.astype(np.float32))  # float32 is the rounding of the same float64 draws
    assert np.array_equal(draw(name, shape, "float64", seed), w64)


@pytest.mark.parametrize("name", NAMES)
def test_chosen_by_name_or_by_callable_in_dense(name):
    by_name = Sequential([Dense(5, 4, kernel_initializer=name, bias_initializer=name)], seed=3).get_weights()
    fn = getattr(initializers, name)
    by_callable = Sequential([Dense(5, 4, kernel_initializer=fn, bias_initializer=fn)], seed=3).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(by_name, by_callable))
    assert Dense(5, 4, kernel_initializer=fn).get_config()["kernel_initializer"] == name


def test_a_custom_callable():
    def twos(shape, rng, dtype):
        return np.full(shape, 2.0, dtype)

    W, b = Sequential([Dense(2, 3, kernel_initializer=twos)], seed=0).get_weights()
    assert np.array_equal(W, np.full((2, 3), 2.0, np.float32)) and np.array_equal(b, np.zeros(3, np.float32))


def test_errors():
    with pytest.raises(ValueError, match="Unknown initializer: expected one of .* or a callable. Received: 'he'"):
        initializers.get("he")
    with pytest.raises(ValueError, match="Unknown initializer.*Received: 3"):
        initializers.get(3)
    with pytest.raises(ValueError, match=r"returned shape \(2,\) for parameter 'W', expected \(2, 3\)"):
        Dense(2, 3, kernel_initializer=lambda shape, rng, dtype: np.zeros(2)).build()
