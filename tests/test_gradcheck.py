"""Central-difference gradient checks, driven by Hypothesis (sizes, values, stacks)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck
from tinyframe.layers import Dense
from tinyframe.losses import SquaredError
from tinyframe.optimizers import GradientDescent

from .strategies import (
    ELEMENTWISE,
    TOL,
    arrays,
    batch_sizes,
    checkable,
    record,
    seeds,
    sizes,
    stacks,
)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@given(data=st.data(), width=sizes, m=batch_sizes, seed=seeds)
def test_elementwise_behind_dense(name, data, width, m, seed):
    """Dense in front, so the activation's input gradient reaches Dense's weights."""
    model = Sequential([Dense(width, width), ELEMENTWISE[name](width)], dtype="float64", seed=seed)
    model.compile(loss=SquaredError())
    X, Y = data.draw(arrays((m, width))), data.draw(arrays((m, width), 0.0, 1.0))
    assume(checkable(model, X))  # no ReLU input next to its kink, no Softmax at its symmetric point
    record(name, gradcheck.check_model(model, X, Y))


@given(st.data(), sizes, batch_sizes)
def test_squared_error_behind_dense(data, width, m):
    model = Sequential([Dense(width, width)], dtype="float64", seed=0)
    model.compile(loss=SquaredError())
    record("SquaredError", gradcheck.check_model(model, data.draw(arrays((m, width))), data.draw(arrays((m, width)))))
    record("SquaredError", gradcheck.check_loss(SquaredError(), data.draw(arrays((m, width))), np.zeros((m, width))))


@given(st.data(), stacks(), batch_sizes)
def test_random_stacks(data, stack, m):
    model, n_in, n_out = stack
    model.compile(loss=SquaredError())
    X = data.draw(arrays((m, n_in)))
    assume(checkable(model, X))  # see tests/strategies.py
    record("stack", gradcheck.check_model(model, X, data.draw(arrays((m, n_out), 0, 1))))


DETERMINISTIC = [name for name in ELEMENTWISE if name not in ("Dropout", "GaussianNoise")]


@given(st.data(), stacks(elementwise=DETERMINISTIC), batch_sizes)
def test_a_training_step_follows_the_numerical_gradient_and_leaves_frozen_layers(data, stack, m):
    """fit's own backward (which stops at the first trainable layer) and update, with random layers frozen.

    One full-batch GradientDescent step must move every trainable parameter by
    ``-lr * dJ/dw``, dJ/dw from central differences, and leave frozen ones bit for bit.
    """
    model, n_in, n_out = stack
    with_params = [layer for layer in model.layers if layer.params]
    for layer in with_params:
        layer.trainable = data.draw(st.booleans())
    lr = 0.5
    model.compile(loss=SquaredError(), optimizer=GradientDescent(lr))
    X, Y = data.draw(arrays((m, n_in))), data.draw(arrays((m, n_out), 0, 1))
    assume(checkable(model, X))

    def J() -> float:
        return float(model.loss.forward(model.forward(X), Y))

    J0 = J()
    numeric = [gradcheck.numerical_gradient(J, p) for p in model.params]
    before = [p.copy() for p in model.params]  # the parameters only: get_weights adds state (Normalization's)
    model.fit(X, Y, epochs=1, batch_size=None, verbose=0)
    trainable = [layer.trainable for layer in model.layers for _ in layer.params]
    for i, (old, new, grad) in enumerate(zip(before, model.params, numeric)):
        if trainable[i]:
            record(
                "training step",
                gradcheck.GradCheckResult({f"weights[{i}]": gradcheck.relative_error((old - new) / lr, grad, J0)}),
            )
        else:
            assert np.array_equal(old, new), f"frozen weights[{i}] changed"


@given(st.data(), stacks(elementwise=DETERMINISTIC, max_dense=2), sizes, batch_sizes)
def test_a_model_sharing_layers_with_another_has_the_right_gradients(data, stack, width, m):
    base, n_in, n_out = stack
    model = Sequential([*base.layers, Dense(n_out, width)], dtype="float64", seed=1)
    assert all(p is q for p, q in zip(model.params, base.params))  # the same arrays, not copies
    model.compile(loss=SquaredError())
    X = data.draw(arrays((m, n_in)))
    assume(checkable(model, X))
    record("shared", gradcheck.check_model(model, X, data.draw(arrays((m, width), 0, 1))))


def test_check_detects_a_wrong_gradient():
    """The check can fail: a Dense whose bias gradient is doubled is caught."""

    class BadDense(Dense):
        def backward_params(self, grad_out):
            super().backward_params(grad_out)
            self.grads["b"] *= 2

    layer = BadDense(3, 2).build(dtype="float64", rng=0)
    result = gradcheck.check_layer(layer, np.ones((4, 3)))
    assert result.errors["b"] > 0.1 and result.worst == "b"
    assert result.errors["W"] < TOL


def test_float32_is_refused():
    model = Sequential([Dense(2, 2)], seed=0)
    with pytest.raises(ValueError, match="float64 model. Received: dtype float32"):
        gradcheck.check_model(model, np.ones((1, 2)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="float64 arrays"):
        gradcheck.check_layer(Dense(2, 2).build(dtype="float32", rng=0), np.ones((1, 2)))
