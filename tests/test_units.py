"""Golden values, computed by hand, for Dense, Sigmoid, SquaredError and GradientDescent."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense
from tinyframe.losses import SquaredError
from tinyframe.optimizers import GradientDescent


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


def test_sigmoid_values_and_derivative():
    s = Sigmoid().build(dtype="float64")
    y = s.forward(np.array([[0.0, np.log(3.0)]]))
    np.testing.assert_allclose(y, [[0.5, 0.75]], rtol=1e-15)
    np.testing.assert_allclose(s.backward(np.array([[1.0, 2.0]])), [[0.25, 2 * 0.75 * 0.25]], rtol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_is_stable_at_the_extremes(dtype):
    s = Sigmoid().build(dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = s.forward(np.array([[-1e4, -100.0, 0.0, 100.0, 1e4]], dtype))
        g = s.backward(np.ones_like(y))
    assert y.dtype == dtype and np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    assert y[0, 0] == 0.0 and y[0, -1] == 1.0 and y[0, 2] == 0.5


def test_squared_error_by_hand():
    loss = SquaredError()
    y_pred, y_true = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [1.0, 1.0]])
    # (1/2) * (1/2 * (1 + 4) + 1/2 * (1 + 1)) = 1.75
    assert loss.forward(y_pred, y_true) == pytest.approx(1.75, rel=1e-15)
    np.testing.assert_array_equal(loss.backward(), [[0.5, 1.0], [-0.5, -0.5]])
    with pytest.raises(ValueError, match=r"same shape. Received: y_pred.shape=\(2, 2\), y_true.shape=\(2, 1\)"):
        loss.forward(y_pred, np.zeros((2, 1)))


def test_gradient_descent_by_hand():
    w, g = np.array([1.0, -1.0]), np.array([2.0, 4.0])
    opt = GradientDescent(learning_rate=0.25)
    opt.step([w], [g])
    np.testing.assert_array_equal(w, [0.5, -2.0])
    opt.learning_rate = 0.5
    opt.step([w], [g])
    np.testing.assert_array_equal(w, [-0.5, -4.0])
    np.testing.assert_array_equal(g, [2.0, 4.0])  # the gradient is not consumed


@pytest.mark.parametrize("bad", [0, -1.0, float("nan")])
def test_gradient_descent_refuses_bad_rates(bad):
    with pytest.raises(ValueError, match="learning_rate must be in"):
        GradientDescent(learning_rate=bad)
    with pytest.raises(TypeError, match="learning_rate must be a real number"):
        GradientDescent(learning_rate="0.1")
