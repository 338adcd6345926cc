"""Dense: golden values by hand, the gradient check, any input rank, its arguments and their refusals.

``y = x @ W + b`` on the last axis (the article's ``W`` transposed: ``Dense`` keeps it as
(in, out)); ``dJ/dW = x.T @ delta``, ``dJ/db`` the sum of ``delta`` over the batch, and
``dJ/dx = delta @ W.T``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, regularizers
from tinyframe.layers import Dense, Input
from tinyframe.losses import MeanSquaredError
from tinyframe.regularizers import L1, L1L2, L2

from ..strategies import arrays, batch_sizes, record, seeds, sizes

leading = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)  # the axes between batch and features


def test_dense_forward_and_backward_by_hand():
    layer = Dense(2, 2).build(dtype="float64", rng=0)
    layer.params["W"][...] = [[1.0, 2.0], [3.0, 4.0]]
    layer.params["b"][...] = [0.5, -0.5]
    x = np.array([[1.0, 1.0], [0.0, 2.0]])
    np.testing.assert_array_equal(layer.forward(x), [[4.5, 5.5], [6.5, 7.5]])
    grad_in = layer.backward(np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_array_equal(layer.grads["W"], [[1.0, 0.0], [1.0, 2.0]])  # x.T @ delta
    np.testing.assert_array_equal(layer.grads["b"], [1.0, 1.0])  # delta summed over the batch
    np.testing.assert_array_equal(grad_in, [[1.0, 3.0], [2.0, 4.0]])  # delta @ W.T


def test_dense_backward_overwrites_not_accumulates():
    layer = Dense(2, 1).build(dtype="float64", rng=0)
    x, g = np.ones((3, 2)), np.ones((3, 1))
    layer.forward(x)
    layer.backward(g)
    layer.backward(g)
    np.testing.assert_array_equal(layer.grads["W"], [[3.0], [3.0]])


def test_dense_initializers():
    default = Dense(30, 20).build(dtype="float64", rng=0)
    limit = np.sqrt(6 / 50)
    assert np.abs(default.params["W"]).max() <= limit and np.all(default.params["b"] == 0)
    article = Dense(30, 20, kernel_initializer="random_sample", bias_initializer="random_sample").build(
        dtype="float64", rng=0
    )
    for p in article.params.values():
        assert p.min() >= 0 and p.max() < 1 and p.std() > 0.2
    with pytest.raises(ValueError, match="Unknown initializer.*Received: 'nope'"):
        Dense(2, 2, kernel_initializer="nope").build()


@given(st.data(), sizes, sizes, batch_sizes, seeds)
def test_dense_alone(data, n_in, n_out, m, seed):
    layer = Dense(n_in, n_out).build(dtype="float64", rng=seed)
    record("Dense", gradcheck.check_layer(layer, data.draw(arrays((m, n_in)))))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"in_features": 0, "out_features": 3},
            ValueError,
            "in_features must be an integer >= 1. Received: in_features=0",
        ),
        ({"in_features": 2, "out_features": -1}, ValueError, "out_features must be an integer >= 1"),
        (
            {"in_features": 2.5, "out_features": 3},
            TypeError,
            "in_features must be an integer. Received: in_features=2.5",
        ),
    ],
)
def test_dense_refuses_bad_sizes(kwargs, error, match):
    with pytest.raises(error, match=match):
        Dense(**kwargs)


@given(st.data(), leading, st.integers(1, 4), st.integers(1, 4), batch_sizes)
def test_dense_on_any_rank_is_dense_on_each_position(data, lead, n_in, n_out, m):
    layer = Dense(n_out, activation="tanh").build((*lead, n_in), dtype="float64", rng=0)
    x = data.draw(arrays((m, *lead, n_in)))
    y = layer.forward(x)
    assert y.shape == (m, *lead, n_out)
    W, b = layer.params["W"], layer.params["b"]
    for index in itertools.product(*(range(d) for d in (m, *lead))):  # the plain loop over positions
        expected = np.tanh(sum(x[index][i] * W[i] for i in range(n_in)) + b)
        np.testing.assert_allclose(y[index], expected, rtol=1e-13, atol=1e-15)


def test_dense_with_activation_and_both_regularizers_has_the_right_gradient():
    layer = Dense(
        3, activation="tanh", kernel_regularizer="l2", bias_regularizer=L1L2(l2=0.5), bias_initializer="uniform"
    )
    model = Sequential([Input((2, 4)), layer], dtype="float64", seed=0)
    model.compile(loss=MeanSquaredError())
    W, b = layer.params["W"], layer.params["b"]
    assert model.penalty() == pytest.approx(0.01 * np.sum(W**2) + 0.5 * np.sum(b**2), rel=1e-14)
    X = np.random.default_rng(1).normal(size=(3, 2, 4))
    record("Dense activation + penalties", gradcheck.check_model(model, X, np.zeros((3, 2, 3))))


def test_use_bias_false_has_no_bias():
    model = Sequential([Dense(4, 2, use_bias=False)], dtype="float64", seed=0)
    assert list(model.layers[0].params) == ["W"] and model.count_params() == 8
    np.testing.assert_array_equal(model.predict(np.eye(4)), model.layers[0].params["W"])


def test_dense_without_a_regularizer_has_no_penalty():
    model = Sequential([Dense(3, 2)], seed=0)
    assert model.penalty() == 0 and model.layers[0].get_config()["kernel_regularizer"] is None
    assert repr(model.layers[0]) == "Dense(3, 2)"


@pytest.mark.parametrize("regularizer", [L2(1e-4), L1(0.5), L1L2(0.1, 0.2), None], ids=repr)
def test_dense_config_round_trip(regularizer):
    layer = Dense(4, 3, kernel_regularizer=regularizer)
    config = layer.get_config()
    clone = Dense.from_config(config)
    assert clone.get_config() == config and repr(clone) == repr(layer)
    assert repr(regularizers.get(regularizers.serialize(regularizer))) == repr(regularizer)
