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
`mse` and `mae` return a float. `Mean` and `Sum` track values a custom loop gives them.
A saved model names its metrics (`serialize`, `deserialize`).

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

import json
from collections.abc import Callable
from typing import Any

from .auc import AUC
from .base import Metric
from .confusion import FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives
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
from .probabilistic import BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy
from .reduction import Mean, Reduction, Sum
from .regression import LogCoshError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, RootMeanSquaredError

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
    "RootMeanSquaredError",
    "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError",
    "LogCoshError",
    "Precision",
    "Recall",
    "TruePositives",
    "FalsePositives",
    "TrueNegatives",
    "FalseNegatives",
    "AUC",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "Mean",
    "Sum",
    "accuracy",
    "mse",
    "mae",
    "get",
    "serialize",
    "deserialize",
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
    "root_mean_squared_error": RootMeanSquaredError,
    "mape": MeanAbsolutePercentageError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "log_cosh_error": LogCoshError,
    "true_positives": TruePositives,
    "false_positives": FalsePositives,
    "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives,
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
# The classes a file may name (`deserialize`): the built-in metrics of (y_true, y_pred) with JSON settings.
_CLASSES: dict[str, type[Metric]] = {
    name: cls
    for name, cls in ((name, globals().get(name)) for name in __all__)
    if isinstance(cls, type) and issubclass(cls, Metric) and cls not in (Metric, MeanMetricWrapper, Mean, Sum)
}
_BY_LOWER_NAME = {**_BY_NAME, **{cls.__name__.lower(): cls for cls in _BY_NAME.values()}}  # "AUC", "Precision"
_FUNCTIONS: dict[Callable[..., Any], str] = {accuracy: "accuracy", mse: "mse", mae: "mae"}


def get(identifier: str | dict | Metric | Callable[..., Any]) -> Metric:
    """A `Metric` for a name, a saved ``{"class_name", "config"}``, a `Metric` instance (itself), a
    `Metric` class, or a callable: what `Model.compile` makes of each entry of ``metrics``.

    * A name (Keras's, e.g. ``"accuracy"``, ``"auc"``, ``"msle"``, ``"true_positives"``;
      or a class name, e.g. ``"Precision"``; any case) gives a fresh metric with the
      default settings, named by the string given (as Keras logs it).
    * A callable ``fn(y_true, y_pred)`` is wrapped in a `MeanMetricWrapper` named by
      its ``__name__``; the plain `accuracy`, `mse` and `mae` give their built-in metric.
    * `Mean` and `Sum` are refused: they track values a loop gives them, not a model's
      targets and predictions.

    >>> get("auc")
    AUC(name='auc')
    """
    if isinstance(identifier, Reduction) or (isinstance(identifier, type) and issubclass(identifier, Reduction)):
        raise ValueError(
            f"{identifier!r} tracks values given to update_state(values), not a model's (y_true, y_pred), so a "
            "model cannot update it: update it in a custom train_step, or compile a metric of (y_true, y_pred)"
        )
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
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


def serialize(metric: Metric) -> str | dict[str, Any]:
    """How a file names ``metric``: its name when `get` re-creates it from the name (``"auc"``,
    ``"acc"``), else ``{"class_name": ..., "config": ...}`` for a built-in class (a
    ``SparseCategoricalAccuracy(name="acc")``, a ``Recall(thresholds=0.7)``).

    ValueError for anything else (a wrapped function, a class of your own): a file holds no code.

    >>> serialize(get("auc")), serialize(AUC(name="roc"))
    ('auc', {'class_name': 'AUC', 'config': {'name': 'roc'}})
    """
    try:
        by_name = get(metric.name)
    except ValueError:
        by_name = None
    if type(by_name) is type(metric) and by_name.get_config() == metric.get_config():
        return metric.name
    cls = _CLASSES.get(type(metric).__name__)
    if cls is not type(metric):
        raise ValueError(f"metric {metric.name!r} is a custom function or metric")
    spec = {"class_name": cls.__name__, "config": json.loads(json.dumps(metric.get_config(), allow_nan=False))}
    if deserialize(spec).get_config() != metric.get_config():  # a file that saves is a file that loads
        raise ValueError(f"metric {metric.name!r} ({metric!r}) is not re-created by its get_config()")
    return spec


def deserialize(spec: str | dict[str, Any]) -> Metric:
    """The metric a file names: a name (`get`) or ``{"class_name", "config"}`` of a built-in metric class.

    Only the classes of this module are built (a name picks a class; it runs nothing of the file's);
    anything else is a ValueError.

    >>> deserialize({"class_name": "SparseCategoricalAccuracy", "config": {"name": "acc"}})
    SparseCategoricalAccuracy(name='acc')
    """
    if isinstance(spec, str):
        return get(spec)
    name, config = (spec.get("class_name"), spec.get("config")) if isinstance(spec, dict) else (None, None)
    cls = _CLASSES.get(name) if isinstance(name, str) else None
    if cls is None or not isinstance(config, dict):
        raise ValueError(
            f"Unknown metric: expected a name or {{'class_name': one of {sorted(_CLASSES)}, 'config': {{...}}}}. "
            f"Received: {spec!r:.200}"
        )
    try:
        return cls.from_config(config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{cls.__name__} cannot be created from the config {config!r:.200}: {error}") from None
