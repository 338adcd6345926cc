"""The public boundary: each bad input gets a clear error; containers users pass are accepted."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense


def net(width=3):
    return Sequential([Dense(4, 5), Sigmoid(), Dense(5, width)], seed=0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"loss": "squared_hinge"},
            ValueError,
            r"Unknown loss: expected a Loss instance or one of .* Received: 'squared_hinge'",
        ),
        ({"loss": 3}, ValueError, "Unknown loss: .* Received: 3"),
        ({"optimizer": "adadelta"}, ValueError, r"Unknown optimizer: .* Received: 'adadelta'"),
        ({"metrics": ["f1"]}, ValueError, r"Unknown metric: .* Received: 'f1'"),
        ({"metrics": "accuracy"}, TypeError, "metrics must be a list of names or callables"),
    ],
)
def test_compile_refuses_unknown_choices(kwargs, error, match):
    model = net()
    with pytest.raises(error, match=match):
        model.compile(**kwargs)
    assert model.loss is None and model.optimizer is None  # nothing was half-set


def test_dataframes_and_series_are_accepted():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(6, 4)), columns=list("abcd"))
    y = pd.Series([0, 1, 2, 0, 1, 2])
    model = net()
    history = model.fit(X, y, epochs=2, verbose=0, batch_size=None)
    assert len(history.epoch) == 2
    np.testing.assert_array_equal(model.predict(X), model.predict(X.to_numpy()))
    assert model.evaluate(X, y, verbose=0) == model.evaluate(X.to_numpy(), y.to_numpy(), verbose=0)


@pytest.mark.parametrize(
    ("y", "width", "match"),
    [
        (np.zeros((4, 4)), 1, r"y must have shape \(4, 1\) .* Received: shape \(4, 4\)"),  # never (n, n)
        (np.zeros((4, 2)), 3, r"y must have shape \(4, 3\) .* Received: shape \(4, 2\)"),
        (np.array([[0.5], [1], [2], [0]]), 3, "labels must be whole numbers"),
    ],
)
def test_target_shapes_against_the_output(y, width, match):
    with pytest.raises((ValueError, TypeError), match=match):
        net(width).fit(np.zeros((4, 4)), y, verbose=0, batch_size=None)


def test_booleans_are_the_numbers_0_and_1_as_keras_takes_them():
    """Keras code passes one-hot masks and flags as bool arrays: the same training as with 0 and 1."""
    X = np.random.default_rng(0).random((8, 4)) > 0.5
    y = np.array([True, False] * 4)
    as_bool, as_int = net(1), net(1)
    as_bool.fit(X, y, epochs=2, batch_size=4, verbose=0)
    as_int.fit(X.astype(np.uint8), y.astype(np.uint8), epochs=2, batch_size=4, verbose=0)
    for w1, w2 in zip(as_bool.get_weights(), as_int.get_weights()):
        np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(as_bool.predict(X), as_int.predict(X.astype(float)))


def test_predict_and_evaluate_check_their_inputs():
    model = net()
    with pytest.raises(
        ValueError, match=r"X: the model takes inputs of shape \(None, 4\). Received: shape \(None, 2\)"
    ):
        model.predict(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1. Received: batch_size=0"):
        model.predict(np.zeros((3, 4)), batch_size=0)
    with pytest.raises(ValueError, match="X and y must have the same number of samples. Received: 3 and 2"):
        model.evaluate(np.zeros((3, 4)), [0, 1])
    with pytest.raises(TypeError, match="batch_size must be an integer. Received: batch_size=2.0"):
        model.evaluate(np.zeros((3, 4)), [0, 1, 2], batch_size=2.0)


def test_outputs_that_overflow_are_an_error_not_a_warning():
    model = Sequential([Dense(2, 2)], seed=0)
    model.set_weights([np.full((2, 2), 1e30), np.zeros(2)])
    with pytest.raises(ValueError, match=r"outputs are not finite .* Received: \|X\| up to 1e\+30"):
        model.predict(np.full((1, 2), 1e30))
