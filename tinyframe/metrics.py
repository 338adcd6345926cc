"""Metrics reported during training: ``metric(y_true, y_pred) -> float``.

Metrics take ``(y_true, y_pred)`` in that order, as scikit-learn's and Keras's do,
with 2-D arrays of shape ``(m, k)`` (targets already one-hot encoded). Any callable
with that signature can be passed to ``compile(metrics=[...])``; its ``__name__``
becomes its key in the logs and History.

>>> import numpy as np
>>> accuracy(np.array([[0, 1], [1, 0]]), np.array([[0.2, 0.8], [0.3, 0.7]]))
0.5
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Metric = Callable[[np.ndarray, np.ndarray], float]


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of rows whose arg-max matches; for one output, ``y_pred >= 0.5`` vs ``y_true >= 0.5``."""
    if y_true.shape[1] == 1:
        return float(np.mean((y_pred >= 0.5) == (y_true >= 0.5)))
    return float(np.mean(np.argmax(y_pred, axis=1) == np.argmax(y_true, axis=1)))


def mse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean squared error over all samples and outputs (Keras's ``mse``)."""
    return float(np.mean(np.square(y_pred - y_true)))


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute error over all samples and outputs."""
    return float(np.mean(np.abs(y_pred - y_true)))


_BY_NAME: dict[str, Metric] = {
    "accuracy": accuracy,
    "acc": accuracy,
    "mse": mse,
    "mean_squared_error": mse,
    "mae": mae,
    "mean_absolute_error": mae,
}


class MeanMetricWrapper:
    """TEMPORARY (replaced by the metrics branch): the weighted mean of ``fn`` over batches."""

    def __init__(self, fn, name):
        self.fn, self.name = fn, name
        self.reset_state()

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        m = y_true.shape[0]
        self.total += self.fn(y_true, y_pred) * m
        self.count += m

    def result(self):
        return self.total / self.count if self.count else 0.0


def get(identifier):
    """A fresh metric object for a metric name or a callable."""
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return MeanMetricWrapper(_BY_NAME[identifier], identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier, getattr(identifier, "__name__", type(identifier).__name__))
    raise ValueError(f"Unknown metric: expected one of {sorted(_BY_NAME)} or a callable. Received: {identifier!r}")
