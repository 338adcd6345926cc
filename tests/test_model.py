"""Sequential: construction, fit on digits, predict, evaluate, weights, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense, Layer
from tinyframe.losses import SquaredError
from tinyframe.optimizers import GradientDescent


def article_net(**kwargs):
    return Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], **kwargs)


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return d.data / 16.0, d.target


def test_design_card_usage_on_digits(digits):
    X, y = digits
    model = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()])
    before = model.evaluate(X, y, verbose=0, return_dict=True)["loss"]
    history = model.fit(X, y, epochs=50, verbose=0, batch_size=None)
    assert len(history.history["loss"]) == 50 and history.epoch == list(range(50))
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(X, y, verbose=0, return_dict=True)["loss"] < before
    assert model.predict(X).shape == (len(X), 10)


def test_repr_shows_the_architecture():
    assert repr(article_net()) == "Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], dtype='float32')"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept_and_inputs_are_cast(dtype, digits):
    X, y = digits
    model = article_net(dtype=dtype, seed=0)
    assert all(p.dtype == dtype for p in model.get_weights())
    model.fit(X[:50].astype(np.int64), y[:50], epochs=2, verbose=0, batch_size=None)
    assert model.predict(X[:5].tolist()).dtype == dtype
    assert all(p.dtype == dtype for p in model.get_weights())


def test_seed_makes_initial_weights_bit_identical():
    a, b, c = article_net(seed=7), article_net(seed=7), article_net(seed=8)
    assert all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_float32_weights_are_the_rounded_float64_weights():
    w32, w64 = article_net(seed=1).get_weights(), article_net(seed=1, dtype="float64").get_weights()
    assert all(np.array_equal(p, q.astype(np.float32)) for p, q in zip(w32, w64))


def test_fit_without_compile_uses_the_articles_choices():
    model = article_net(seed=0)
    model.fit(np.zeros((2, 64)), [0, 1], verbose=0, batch_size=None)
    assert isinstance(model.loss, SquaredError)
    assert isinstance(model.optimizer, GradientDescent) and model.optimizer.learning_rate == 0.25


def test_get_and_set_weights_in_keras_order():
    model = article_net(seed=0)
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(64, 30), (30,), (30, 10), (10,)]
    new = [np.full(s, i, dtype=np.float64) for i, s in enumerate(shapes)]
    model.set_weights(new)
    assert all(np.array_equal(p, q) for p, q in zip(model.get_weights(), new))
    model.get_weights()[0][...] = 99  # a copy: the model is not changed
    assert model.get_weights()[0][0, 0] == 0


def test_set_weights_checks_everything_before_changing_anything():
    model = article_net(seed=0)
    before = model.get_weights()
    bad = [w.copy() for w in before]
    bad[3] = np.zeros(11)
    with pytest.raises(ValueError, match=r"weights\[3\] must have shape \(10,\). Received: shape \(11,\)"):
        model.set_weights(bad)
    with pytest.raises(ValueError, match="expects a list of 4 arrays. Received: 3 arrays"):
        model.set_weights(before[:3])
    bad[3] = np.full(10, np.nan)
    with pytest.raises(ValueError, match=r"weights\[3\] contains NaN"):
        model.set_weights(bad)
    assert all(np.array_equal(p, q) for p, q in zip(model.get_weights(), before))


def test_predict_in_batches_equals_predict_at_once(digits):
    X, _ = digits
    model = article_net(seed=0, dtype="float64")
    # equal up to BLAS's blocking, which depends on the number of rows
    np.testing.assert_allclose(model.predict(X, batch_size=7), model.predict(X), rtol=1e-13)


def test_predict_returns_a_fresh_array():
    model = article_net(seed=0)
    first = model.predict(np.ones((3, 64)))
    model.predict(np.zeros((3, 64)))
    assert np.allclose(first, model.predict(np.ones((3, 64))))


# ----------------------------------------------------------------- bad input
def test_adjacent_layer_sizes_must_agree():
    with pytest.raises(
        ValueError,
        match=r"layer 2 \(dense_1\): Dense\(31, 10\) expects inputs whose last axis has 31 features.* "
        r"Received: input shape \(30,\)",
    ):
        Sequential([Dense(64, 30), Sigmoid(), Dense(31, 10)])


@pytest.mark.parametrize(
    ("layers", "error", "match"),
    [
        ("dense", TypeError, "expects a list of layers"),
        ([Dense(2, 2), "relu"], TypeError, "layer 1 must be a tinyframe Layer instance. Received: 'relu'"),
    ],
)
def test_constructor_refuses_non_layers(layers, error, match):
    with pytest.raises(error, match=match):
        Sequential(layers)


def test_constructor_refuses_bad_dtype_and_seed():
    with pytest.raises(ValueError, match=r"dtype must be one of \('float32', 'float64'\). Received: dtype='int32'"):
        Sequential([Dense(2, 2)], dtype="int32")
    with pytest.raises(ValueError, match="dtype must be one of"):
        Sequential([Dense(2, 2)], dtype="not a dtype")
    with pytest.raises(TypeError, match="seed must be an integer. Received: seed=1.5"):
        Sequential([Dense(2, 2)], seed=1.5)


BAD_FIT_INPUTS = [
    (
        np.ones(64),
        [0],
        ValueError,
        r"X must be at least 2-D, of shape \(n_samples, n_features\) .* Received: shape \(64,\)",
    ),
    (
        np.ones((3, 10)),
        [0, 1, 2],
        ValueError,
        r"X: the model takes inputs of shape \(None, 64\). Received: shape \(None, 10\)",
    ),
    (np.ones((3, 64)), [0, 1], ValueError, "X and y must have the same number of samples. Received: 3 and 2"),
    (np.full((2, 64), np.nan), [0, 1], ValueError, "X contains NaN or infinity"),
    (np.full((2, 64), np.inf), [0, 1], ValueError, "X contains NaN or infinity"),
    (np.ones((2, 64)), np.full((2, 10), np.nan), ValueError, "y contains NaN or infinity"),
    (np.ones((2, 64)), [0, 10], ValueError, r"labels must be in \[0, 10\) .* Received: values from 0 to 10"),
    (np.ones((2, 64)), [-1, 3], ValueError, r"labels must be in \[0, 10\)"),
    (np.ones((2, 64)), [0.5, 3], ValueError, "labels must be whole numbers"),
    (np.ones((0, 64)), [], ValueError, r"X is empty: .* Received: shape \(0, 64\)"),
    ([["a"] * 64], [0], TypeError, "X must contain real numbers .* Received: dtype <U1"),
    (np.ones((2, 64), dtype=complex), [0, 1], TypeError, "Received: dtype complex128"),
    (np.ones((2, 64)), np.ones((2, 3)), ValueError, r"y must have shape \(2, 10\) .* Received: shape \(2, 3\)"),
    (np.ones((2, 64)), ["a", "b"], TypeError, "y must contain real numbers"),
]


@pytest.mark.parametrize(("X", "y", "error", "match"), BAD_FIT_INPUTS)
def test_bad_input_is_refused_before_training(X, y, error, match):
    model = article_net(seed=0)
    before = model.get_weights()
    with pytest.raises(error, match=match):
        model.fit(X, y, epochs=3, verbose=0, batch_size=None)
    assert all(np.array_equal(p, q) for p, q in zip(model.get_weights(), before))


def test_x_too_large_for_float32_is_reported_not_warned():
    match = r"X contains NaN .* Received: 64 non-finite value\(s\) after casting to float32"
    with pytest.raises(ValueError, match=match):
        article_net(seed=0).predict(np.full((1, 64), 1e300))


class Twice(Layer):
    """A custom layer without parameters: y = 2x."""

    def forward(self, x, training=False):
        return 2 * x

    def backward(self, grad_out):
        return 2 * grad_out


def test_custom_layer_without_parameters_trains():
    model = Sequential([Dense(3, 2), Twice(), Sigmoid()], dtype="float64", seed=0)
    history = model.fit(np.eye(3), [0, 1, 1], epochs=20, verbose=0, batch_size=None)
    assert history.history["loss"][-1] < history.history["loss"][0]
