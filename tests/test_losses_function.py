"""compile(loss=fn): a loss written as a function of tinyframe.ops, its gradient from the ops' own backwards."""

from __future__ import annotations

import numpy as np
import pytest

import tinyframe
from tinyframe import Sequential, gradcheck, ops
from tinyframe.layers import Dense, Input
from tinyframe.losses import FunctionLoss, MeanSquaredError, get

from .strategies import record


def contrastive(margin=1.0):
    """keras.io's Siamese example's loss, as written there with keras.ops."""

    def loss(y_true, y_pred):
        square_pred = ops.square(y_pred)
        margin_square = ops.square(ops.maximum(margin - y_pred, 0))
        return ops.mean((1 - y_true) * square_pred + y_true * margin_square)

    return loss


def model(seed=0):
    net = Sequential(
        [Input((4,)), Dense(3, activation="tanh"), Dense(1, activation="sigmoid")], dtype="float64", seed=seed
    )
    return net


def test_a_function_of_ops_is_a_loss_with_the_gradient_of_central_differences():
    net = model()
    net.compile(loss=contrastive(0.8))
    assert isinstance(net.loss, FunctionLoss) and repr(net.loss) == "FunctionLoss(loss)"
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 2, (6, 1)).astype(float)
    record("function loss", gradcheck.check_model(net, X, y))


def test_it_equals_the_built_in_loss_it_rewrites_weights_included():
    rng = np.random.default_rng(1)
    y_pred, y_true, w = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), rng.uniform(0, 2, 5)
    mine = get(lambda t, p: ops.mean(ops.square(p - t), axis=-1))
    builtin = MeanSquaredError()
    assert mine.forward(y_pred, y_true) == pytest.approx(builtin.forward(y_pred, y_true), rel=1e-12)
    np.testing.assert_allclose(mine.backward(), builtin.backward(), rtol=1e-12)
    assert mine.forward(y_pred, y_true, w) == pytest.approx(builtin.forward(y_pred, y_true, w), rel=1e-12)
    np.testing.assert_allclose(mine.backward(), builtin.backward(), rtol=1e-12)


def test_what_cannot_be_followed_or_saved_is_refused(tmp_path):
    net = model()
    net.compile(loss=lambda t, p: ops.mean(np.sin(p) - t))  # np.sin has no op
    with pytest.raises(TypeError, match="an op received an array that no layer call made"):
        net.fit(np.ones((2, 4)), np.zeros((2, 1)), verbose=0)
    net.compile(loss=contrastive())
    with pytest.raises(TypeError, match="the loss is the Python function 'loss', which a file cannot hold"):
        net.save(tmp_path / "m.npz")
    net.save(tmp_path / "m.npz", include_optimizer=False)
    with pytest.raises(TypeError, match="expected a function"):
        FunctionLoss(3)


def test_keras_backend_epsilon():
    assert tinyframe.backend.epsilon() == 1e-7 and tinyframe.backend.floatx() == "float32"
