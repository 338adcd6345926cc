"""Metrics reported during training: Keras-style stateful objects, and plain functions.

A `Metric` accumulates over batches (``reset_state``, ``update_state(y_true, y_pred,
sample_weight=None)``, ``result()``), so an epoch's value is exact also for metrics
that are not means of per-batch values (precision, recall, AUC). Metrics take
``(y_true, y_pred)`` in that order, as scikit-learn's and Keras's do, of shape
``(m, d1, ..., k)`` (targets already one-hot encoded by the model), with the last
axis as the classes or outputs.

``compile(metrics=[...])`` takes names (`get`), `Metric` instances, or any callable
``fn(y_true, y_pred)`` returning one value per sample or one per batch (wrapped in a
`MeanMetricWrapper` named by its ``__name__``). The plain functions `accuracy`,
`mse` and `mae` return a float.

>>> import numpy as np
>>> accuracy(np.array([[0, 1], [1, 0]]), np.array([[0.2, 0.8], [0.3, 0.7]]))
0.5
>>> metric = get("accuracy")
>>> metric.update_state(np.array([[0, 1], [1, 0]]), np.array([[0.2, 0.8], [0.3, 0.7]]))
>>> metric.update_state(np.array([[0, 1]]), np.array([[0.4, 0.6]]))
>>> metric.result()                     # 2 hits in 3 samples
0.6666666666666666
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .auc import AUC
from .base import Metric
from .confusion import Precision, Recall
from .functions import accuracy, mae, mse
from .mean_metric_wrapper import MeanMetricWrapper
from .mean_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
)

__all__ = [
    "Metric",
    "MeanMetricWrapper",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "Precision",
    "Recall",
    "AUC",
    "accuracy",
    "mse",
    "mae",
    "get",
]

_BY_NAME: dict[str, type[Metric]] = {
    "accuracy": Accuracy,
    "acc": Accuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "binary_accuracy": BinaryAccuracy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
    "precision": Precision,
    "recall": Recall,
    "auc": AUC,
}
_BY_LOWER_NAME = {**_BY_NAME, **{cls.__name__.lower(): cls for cls in _BY_NAME.values()}}  # "AUC", "Precision"
_FUNCTIONS: dict[Callable[..., Any], str] = {accuracy: "accuracy", mse: "mse", mae: "mae"}


def get(identifier: str | Metric | Callable[..., Any]) -> Metric:
    """A `Metric` for a name, a `Metric` instance (itself), a `Metric` class, or a callable.

    * A name (Keras's, e.g. ``"accuracy"``, ``"auc"``, ``"top_k_categorical_accuracy"``;
      or a class name, e.g. ``"Precision"``; any case) gives a fresh metric with the
      default settings, named by the string given (as Keras logs it).
    * A callable ``fn(y_true, y_pred)`` is wrapped in a `MeanMetricWrapper` named by
      its ``__name__``; the plain `accuracy`, `mse` and `mae` give their built-in metric.

    >>> get("auc")
    AUC(name='auc')
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        cls = _BY_LOWER_NAME.get(identifier.lower())
        if cls is not None:
            return cls(name=identifier)
    elif callable(identifier):
        try:
            name = _FUNCTIONS.get(identifier)
        except TypeError:  # an unhashable callable object
            name = None
        return _BY_NAME[name](name=name) if name is not None else MeanMetricWrapper(identifier)
    raise ValueError(
        f"Unknown metric: expected one of {sorted(_BY_NAME)}, a Metric or a callable. Received: {identifier!r}"
    )
