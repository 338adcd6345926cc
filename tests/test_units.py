"""Golden values, computed by hand, for Sigmoid, SquaredError and GradientDescent (Dense's are in layers/)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinyframe.activations import Sigmoid
from tinyframe.losses import SquaredError
from tinyframe.optimizers import GradientDescent


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
