"""The built-in mean metrics: accuracies and errors, each the (weighted) mean of a per-position kernel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._checks import check_float, check_positive_int
from . import functions
from .mean_metric_wrapper import MeanMetricWrapper


class BuiltinMean(MeanMetricWrapper):
    """A `MeanMetricWrapper` of one of tinyframe's kernels; its config is its name and settings (JSON values)."""

    kernel: Callable[..., Any]
    default_name: str

    def __init__(self, name: str | None = None, **settings: Any) -> None:
        super().__init__(type(self).kernel, self.default_name if name is None else name, **settings)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self.fn_kwargs}


class Accuracy(BuiltinMean):
    """tinyframe's ``"accuracy"`` (and ``"acc"``): the fraction of positions classified right.

    For ``y_pred`` and one-hot ``y_true`` of shape ``(m, d1, ..., k)``: a hit where
    ``argmax(y_pred) == argmax(y_true)`` over the last axis; for one output
    (``k = 1``), where ``y_pred >= 0.5`` agrees with ``y_true >= 0.5``.
    ``result = sum_s w_s hits_s / sum_s w_s n_s`` (``n_s`` positions of sample ``s``).
    Keras resolves ``"accuracy"`` to a binary or categorical accuracy by the loss;
    this one rule covers both (with ``>= 0.5`` where Keras's ``BinaryAccuracy`` uses ``> 0.5``).

    Example:
        >>> import numpy as np
        >>> Accuracy()(np.array([[0, 1], [1, 0]]), np.array([[0.2, 0.8], [0.3, 0.7]]))
        0.5
    """

    kernel = staticmethod(functions.accuracy_values)
    default_name = "accuracy"


class CategoricalAccuracy(BuiltinMean):
    """Keras's ``categorical_accuracy``: hits where ``argmax(y_pred) == argmax(y_true)`` over the last axis.

    Shapes ``(m, d1, ..., k)``, one-hot ``y_true``; the weighted mean over positions.

    Example:
        >>> import numpy as np
        >>> CategoricalAccuracy()(np.eye(3)[[0, 1, 2]], np.array([[.6, .3, .1], [.6, .3, .1], [.1, .2, .7]]))
        0.6666666666666666
    """

    kernel = staticmethod(functions.categorical_accuracy_values)
    default_name = "categorical_accuracy"


class SparseCategoricalAccuracy(BuiltinMean):
    """Keras's ``sparse_categorical_accuracy``: hits where ``argmax(y_pred) == label`` over the last axis.

    ``y_pred`` of shape ``(m, d1, ..., k)``; ``y_true`` integer labels ``(m, d1, ...)``
    or ``(m, d1, ..., 1)``, or (as a model passes them) one-hot rows of ``y_pred``'s
    shape when ``k > 1``. The weighted mean over positions.

    Example:
        >>> import numpy as np
        >>> SparseCategoricalAccuracy()(np.array([2, 0]), np.array([[.1, .2, .7], [.1, .8, .1]]))
        0.5
    """

    kernel = staticmethod(functions.sparse_categorical_accuracy_values)
    default_name = "sparse_categorical_accuracy"


class TopKCategoricalAccuracy(BuiltinMean):
    """Keras's ``top_k_categorical_accuracy``: hits where the target class is among the ``k`` best scores.

    For one-hot ``y_true`` and ``y_pred`` of shape ``(m, d1, ..., k_classes)``, a hit
    where fewer than ``k`` classes score strictly higher than the target class (so
    ties at the boundary count as in, as in Keras). The weighted mean over positions.

    Args:
        k: how many of the best classes count, ``>= 1``; 5 by default.

    Example:
        >>> import numpy as np
        >>> TopKCategoricalAccuracy(k=2)(np.eye(3)[[0, 0]], np.array([[.3, .5, .2], [.1, .5, .4]]))
        0.5
    """

    kernel = staticmethod(functions.top_k_categorical_accuracy_values)
    default_name = "top_k_categorical_accuracy"

    def __init__(self, k: int = 5, name: str | None = None) -> None:
        super().__init__(name, k=check_positive_int(k, "k", "TopKCategoricalAccuracy"))


class BinaryAccuracy(BuiltinMean):
    """Keras's ``binary_accuracy``: hits where ``y_true == (y_pred > threshold)``, per output.

    ``y_true`` holds 0 or 1 and has ``y_pred``'s shape ``(m, d1, ..., k)``; each of the
    ``k`` outputs is its own yes/no answer. The weighted mean over all outputs.

    Args:
        threshold: the decision threshold (strict, as in Keras); 0.5 by default.

    Example:
        >>> import numpy as np
        >>> BinaryAccuracy()(np.array([[1, 0], [1, 1]]), np.array([[0.9, 0.2], [0.5, 0.7]]))   # 0.5 > 0.5 fails
        0.75
    """

    kernel = staticmethod(functions.binary_accuracy_values)
    default_name = "binary_accuracy"

    def __init__(self, threshold: float = 0.5, name: str | None = None) -> None:
        threshold = check_float(threshold, "threshold", "BinaryAccuracy", float("-inf"), float("inf"), high_open=True)
        super().__init__(name, threshold=threshold)


class MeanSquaredError(BuiltinMean):
    """Keras's ``mse`` metric: ``mean((y_pred - y_true)**2)`` over every element, weighted per sample.

    Example:
        >>> import numpy as np
        >>> MeanSquaredError()(np.zeros((2, 2)), np.array([[1.0, 2.0], [0.0, 1.0]]))
        1.5
    """

    kernel = staticmethod(functions.squared_errors)
    default_name = "mean_squared_error"


class MeanAbsoluteError(BuiltinMean):
    """Keras's ``mae`` metric: ``mean(|y_pred - y_true|)`` over every element, weighted per sample.

    Example:
        >>> import numpy as np
        >>> MeanAbsoluteError()(np.zeros((2, 2)), np.array([[1.0, -2.0], [0.0, 1.0]]))
        1.0
    """

    kernel = staticmethod(functions.absolute_errors)
    default_name = "mean_absolute_error"
