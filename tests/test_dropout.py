"""Dropout and GaussianNoise: training-only randomness from the model's seeded Generator, checked in training mode."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck
from tinyframe.activations import ReLU
from tinyframe.layers import Dense, Dropout, GaussianNoise
from tinyframe.losses import CrossEntropy, SquaredError

from .strategies import (
    ELEMENTWISE,
    arrays,
    batch_sizes,
    checkable,
    record,
    seeds,
    sizes,
    stacks,
)

RANDOM = {"Dropout": lambda: Dropout(0.4), "GaussianNoise": lambda: GaussianNoise(0.7)}


def built(layer, dtype="float64", seed=0):
    return layer.build(dtype=dtype, rng=np.random.default_rng(seed))


# ---------------------------------------------------------------- what the layers do
def test_dropout_zeroes_about_rate_and_scales_the_rest():
    x = np.ones((200, 50))
    y = built(Dropout(0.3)).forward(x, training=True)
    kept = y != 0
    assert 0.67 < kept.mean() < 0.73  # 10 000 draws: the standard error of the rate is 0.005
    assert np.all(y[kept] == 1 / 0.7)  # inverted dropout: survivors scaled by 1 / (1 - rate)
    assert abs(y.mean() - 1.0) < 0.03  # so the expected output is the input


def test_dropout_backward_uses_the_same_mask():
    layer = built(Dropout(0.5))
    y = layer.forward(np.full((3, 4), 2.0), training=True).copy()
    g = layer.backward(np.ones((3, 4)))
    assert np.array_equal(g, y / 2.0)  # mask = y / x


def test_gaussian_noise_statistics_and_backward():
    x = np.full((200, 50), 3.0)
    layer = built(GaussianNoise(0.5))
    noise = layer.forward(x, training=True) - x
    assert abs(noise.mean()) < 0.02 and abs(noise.std() - 0.5) < 0.02
    g = np.arange(4.0).reshape(2, 2)
    assert np.array_equal(layer.backward(g), g)  # the noise does not depend on x


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_identity_at_inference(name):
    layer = built(RANDOM[name]())
    x = np.arange(6.0).reshape(2, 3)
    state = layer.rng.bit_generator.state
    assert np.array_equal(layer.forward(x), x) and np.array_equal(layer.forward(x, training=False), x)
    assert np.array_equal(layer.backward(np.ones((2, 3))), np.ones((2, 3)))
    assert layer.rng.bit_generator.state == state  # inference draws nothing


def test_rate_zero_and_stddev_zero_change_nothing_in_training():
    x = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(built(Dropout(0.0)).forward(x, training=True), x)
    assert np.array_equal(built(GaussianNoise(0.0)).forward(x, training=True), x)


@pytest.mark.parametrize("name", sorted(RANDOM))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_seeded_reproducible_and_in_the_model_dtype(name, dtype):
    def train_once():
        model = Sequential([Dense(4, 8), RANDOM[name](), ReLU(), Dense(8, 3)], dtype=dtype, seed=7)
        model.compile(loss=CrossEntropy(from_logits=True), optimizer="adam")
        model.fit(np.random.default_rng(0).normal(size=(20, 4)), np.arange(20) % 3, epochs=3, batch_size=5, verbose=0)
        return model

    a, b = train_once(), train_once()
    assert all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))
    assert a.layers[1].forward(np.ones((2, 8), dtype), training=True).dtype == dtype


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_finite_and_silent_at_the_extremes(name):
    x = np.array([[-1e4, 0.0, 1e4]], np.float32)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        layer = built(RANDOM[name](), "float32")
        y, g = layer.forward(x, training=True), layer.backward(np.ones_like(x))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))


# ---------------------------------------------------------------- gradients in training mode
@pytest.mark.parametrize("name", sorted(RANDOM))
@given(data=st.data(), width=sizes, m=batch_sizes, seed=seeds)
def test_gradient_alone_in_training(name, data, width, m, seed):
    """gradcheck restores the Generator before each evaluation, so the mask and noise stay fixed."""
    layer = built(RANDOM[name](), seed=seed)
    record(f"{name}(training)", gradcheck.check_layer(layer, data.draw(arrays((m, width))), training=True))


@pytest.mark.parametrize("name", sorted(RANDOM))
@given(data=st.data(), width=sizes, m=batch_sizes, seed=seeds)
def test_gradient_behind_dense_in_training(name, data, width, m, seed):
    model = Sequential([Dense(width, width), RANDOM[name](), Dense(width, width)], dtype="float64", seed=seed)
    model.compile(loss=SquaredError())
    X, Y = data.draw(arrays((m, width))), data.draw(arrays((m, width)))
    record(f"Dense+{name}(training)", gradcheck.check_model(model, X, Y, training=True))


@given(st.data(), stacks(ELEMENTWISE), batch_sizes)
def test_random_stacks_in_training(data, stack, m):
    """Every elementwise layer, Dropout and GaussianNoise active, ReLU kinks filtered (tests/strategies.py)."""
    model, n_in, n_out = stack
    model.compile(loss=SquaredError())
    X = data.draw(arrays((m, n_in)))
    assume(checkable(model, X, training=True))
    record("stack(training)", gradcheck.check_model(model, X, data.draw(arrays((m, n_out), 0, 1)), training=True))


def test_the_check_sees_a_mask_that_changes():
    """Without the Generator restored between evaluations the check would fail: the mask matters."""

    class Unseeded(Dropout):
        def forward(self, x, training=False):
            self.rng = np.random.default_rng()  # a fresh mask every call
            return super().forward(x, training)

    model = Sequential([Dense(3, 3), Unseeded(0.5)], dtype="float64", seed=0)
    model.compile(loss=SquaredError())
    X = np.random.default_rng(1).normal(size=(4, 3))
    assert gradcheck.check_model(model, X, np.zeros((4, 3)), training=True).max_error > 1e-3


# ---------------------------------------------------------------- arguments and config
@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: Dropout(1.0), ValueError, r"Dropout: rate must be in \[0.0, 1.0\). Received: rate=1.0"),
        (lambda: Dropout(-0.1), ValueError, r"Dropout: rate must be in \[0.0, 1.0\). Received: rate=-0.1"),
        (lambda: Dropout("0.5"), TypeError, "Dropout: rate must be a real number. Received: rate='0.5'"),
        (lambda: GaussianNoise(-1), ValueError, r"GaussianNoise: stddev must be in \[0.0, inf\]. Received: stddev=-1"),
        (lambda: GaussianNoise(None), TypeError, "GaussianNoise: stddev must be a real number. Received: stddev=None"),
    ],
)
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_config_round_trip(name):
    layer = RANDOM[name]()
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
    assert repr(Dropout(0.25)) == "Dropout(rate=0.25)" and repr(GaussianNoise(0.1)) == "GaussianNoise(stddev=0.1)"
