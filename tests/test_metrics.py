"""Metrics: golden values, integer vs one-hot targets, callables, and names."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Sequential, metrics
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense


def test_golden_values():
    y_true = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    y_pred = np.array([[0.2, 0.8], [0.6, 0.4], [0.9, 0.1]])
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(2 / 3)
    # squared errors: .04+.04, .16+.16, .81+.81 -> sum 2.02 over 6
    assert metrics.mse(y_true, y_pred) == pytest.approx(2.02 / 6)
    assert metrics.mae(y_true, y_pred) == pytest.approx((0.2 + 0.2 + 0.4 + 0.4 + 0.9 + 0.9) / 6)
    assert metrics.accuracy(np.array([[1.0], [0.0]]), np.array([[0.7], [0.7]])) == 0.5  # one output: >= 0.5


def test_accuracy_is_the_same_from_labels_or_one_hot():
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(50, 4)), rng.integers(0, 3, 50)
    model = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    model.compile(metrics=["accuracy"])
    from_labels = model.evaluate(X, labels, verbose=0, return_dict=True)
    from_one_hot = model.evaluate(X, np.eye(3)[labels], verbose=0, return_dict=True)
    assert from_labels == from_one_hot
    expected = np.mean(model.predict(X).argmax(1) == labels)
    assert from_labels["accuracy"] == pytest.approx(expected)


def test_a_callable_metric_is_logged_under_its_name():
    def top_value(y_true, y_pred):
        return float(y_pred.max())

    rng = np.random.default_rng(0)
    model = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    model.compile(metrics=[top_value, "mae"])
    history = model.fit(
        rng.normal(size=(10, 4)), rng.integers(0, 3, 10), epochs=2, verbose=0, validation_split=0.2, batch_size=None
    )
    assert {"top_value", "mae", "val_top_value", "val_mae"} <= set(history.history)
    assert 0 < history.history["top_value"][0] < 1


def test_unknown_metric_is_refused():
    with pytest.raises(ValueError, match=r"Unknown metric: expected one of .* Received: 'precision'"):
        metrics.get("precision")
    model = Sequential([Dense(4, 3)])
    with pytest.raises(TypeError, match="metrics must be a list of names or callables. Received: 'accuracy'"):
        model.compile(metrics="accuracy")
