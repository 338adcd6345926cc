"""Weight penalties on Dense: the value in the reported loss, the gradient in dJ/dW, names and config."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, regularizers
from tinyframe.activations import Tanh
from tinyframe.layers import Dense
from tinyframe.losses import MeanSquaredError
from tinyframe.optimizers import GradientDescent
from tinyframe.regularizers import L1, L1L2, L2

from .strategies import (
    TOL,
    arrays,
    batch_sizes,
    record,
    seeds,
    sizes,
)


def test_values_and_gradients_by_hand():
    W = np.array([[1.0, -2.0], [0.0, 0.5]])
    assert L2(0.1)(W) == pytest.approx(0.1 * (1 + 4 + 0 + 0.25))
    assert L1(0.1)(W) == pytest.approx(0.1 * (1 + 2 + 0 + 0.5))
    assert L1L2(0.1, 0.2)(W) == pytest.approx(0.1 * 3.5 + 0.2 * 5.25)
    grad = np.ones_like(W)
    L1L2(0.1, 0.2).add_gradient(W, grad, np.empty_like(W))
    # 1 + 0.1 sign(W) + 2 * 0.2 * W; sign(0) = 0
    np.testing.assert_allclose(grad, [[1 + 0.1 + 0.4, 1 - 0.1 - 0.8], [1.0, 1 + 0.1 + 0.2]], rtol=1e-15)


def regularised_model(n_in, n_out, regularizer, seed):
    model = Sequential(
        [Dense(n_in, n_out, kernel_regularizer=regularizer), Tanh(), Dense(n_out, 2, kernel_regularizer=regularizer)],
        dtype="float64",
        seed=seed,
    )
    model.compile(loss=MeanSquaredError())
    return model


@pytest.mark.parametrize("regularizer", [L2(0.3), L1(0.2), L1L2(0.1, 0.4)], ids=repr)
@given(st.data(), sizes, sizes, batch_sizes, seeds)
def test_gradient_check_includes_the_penalty(regularizer, data, n_in, n_out, m, seed):
    """check_model's J is the loss plus model.penalty(), so the penalty's gradient is checked too."""
    model = regularised_model(n_in, n_out, regularizer, seed)
    if regularizer.l1:  # |w| has a kink at 0: keep every weight at least 0.05 from it
        for layer in (model.layers[0], model.layers[2]):
            W = layer.params["W"]
            W[...] = np.where(W >= 0, 1, -1) * (0.05 + np.abs(W))
    X, y = data.draw(arrays((m, n_in))), data.draw(arrays((m, 2)))
    record(f"Dense+{regularizer!r}", gradcheck.check_model(model, X, y))


def test_the_check_fails_without_the_penalty_gradient():
    class Forgetful(Dense):
        def backward_params(self, grad_out):
            regularizer, self.kernel_regularizer = self.kernel_regularizer, None
            super().backward_params(grad_out)
            self.kernel_regularizer = regularizer

    model = Sequential([Forgetful(3, 2, kernel_regularizer=L2(0.5))], dtype="float64", seed=0)
    model.compile(loss=MeanSquaredError())
    result = gradcheck.check_model(model, np.ones((4, 3)), np.zeros((4, 2)))
    assert result.errors["layer0.W"] > 0.1 and result.errors["layer0.b"] < TOL


def test_penalty_appears_in_the_reported_loss_and_the_gradient():
    X, y = np.random.default_rng(0).normal(size=(10, 3)), np.random.default_rng(1).normal(size=(10, 2))
    model = Sequential([Dense(3, 2, kernel_regularizer=L2(0.25))], dtype="float64", seed=0)
    model.compile(loss=MeanSquaredError(), optimizer=GradientDescent(0.1))
    W0 = model.layers[0].params["W"].copy()
    data_loss = MeanSquaredError().forward(model.predict(X), y)
    assert model.penalty() == pytest.approx(0.25 * np.sum(W0**2), rel=1e-15)
    assert model.evaluate(X, y, verbose=0, return_dict=True)["loss"] == pytest.approx(
        data_loss + 0.25 * np.sum(W0**2), rel=1e-14
    )

    plain = Sequential([Dense(3, 2)], dtype="float64", seed=0)  # the same weights, no penalty
    plain.compile(loss=MeanSquaredError(), optimizer=GradientDescent(0.1))
    history, plain_history = (
        model.fit(X, y, verbose=0, batch_size=None),
        plain.fit(X, y, verbose=0, batch_size=None),
    )  # one full-batch step each
    assert history.history["loss"][0] == pytest.approx(data_loss + 0.25 * np.sum(W0**2), rel=1e-14)
    assert plain_history.history["loss"][0] == pytest.approx(data_loss, rel=1e-14)
    # the step differs by exactly learning_rate * 2 * l2 * W0
    W, W_plain = model.layers[0].params["W"], plain.layers[0].params["W"]
    np.testing.assert_allclose(W, W_plain - 0.1 * 2 * 0.25 * W0, rtol=1e-13)
    assert np.array_equal(model.layers[0].params["b"], plain.layers[0].params["b"])


@pytest.mark.parametrize(
    "identifier, expected",
    [
        (None, None),
        ("l2", L2(0.01)),
        ("l1", L1(0.01)),
        ("l1_l2", L1L2(0.0, 0.0)),
        (L2(1e-4), L2(1e-4)),
        ({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}, L1L2(0.1, 0.2)),
    ],
)
def test_get(identifier, expected):
    got = regularizers.get(identifier)
    assert repr(got) == repr(expected)


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: L2(-1.0), ValueError, r"L2: l2 must be in \[0.0, inf\). Received: l2=-1.0"),
        (lambda: L1("big"), TypeError, "L1: l1 must be a real number. Received: l1='big'"),
        (lambda: L1L2(l1=float("nan")), ValueError, "L1L2: l1 must be in"),
        (lambda: Dense(2, 2, kernel_regularizer="l3"), ValueError, "Unknown regularizer: expected None, an L1/L2/L1L2"),
        (lambda: Dense(2, 2, kernel_regularizer=0.01), ValueError, "Unknown regularizer.*Received: 0.01"),
        (lambda: regularizers.get({"class_name": "L2", "config": [1]}), ValueError, "config must be a dict"),
    ],
)
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()
