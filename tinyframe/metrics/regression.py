"""Keras's other regression metrics: RMSE, MAPE, MSLE and log-cosh, each the (weighted) mean of a per-element error.

The kernels take ``(y_true, y_pred)`` of one shape ``(m, d1, ..., k)`` and return one error
per element; the metric is their weighted mean (`MeanMetricWrapper`), which equals Keras's
mean over the last axis, then over the positions.
"""

from __future__ import annotations

import math

import numpy as np

from . import functions
from .base import check_same_shape
from .mean_metrics import BuiltinMean

EPSILON = 1e-7  # Keras's backend.epsilon(): the floor of |y_true| in MAPE and of the values in MSLE


def absolute_percentage_errors(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """``100 |y_true - y_pred| / max(|y_true|, 1e-7)`` per element (Keras's floor)."""
    check_same_shape("mean_absolute_percentage_error", y_true, y_pred)
    return 100.0 * np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), EPSILON)


def squared_log_errors(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """``(log(1 + max(y_pred, 1e-7)) - log(1 + max(y_true, 1e-7)))**2`` per element (Keras's floor)."""
    check_same_shape("mean_squared_logarithmic_error", y_true, y_pred)
    return np.square(np.log1p(np.maximum(y_pred, EPSILON)) - np.log1p(np.maximum(y_true, EPSILON)))


def log_cosh_errors(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """``log(cosh(y_pred - y_true))`` per element, as ``|d| + log1p(exp(-2|d|)) - log 2``: no overflow."""
    check_same_shape("logcosh", y_true, y_pred)
    d = np.abs(y_pred - y_true)
    return d + np.log1p(np.exp(-2.0 * d)) - math.log(2.0)


class RootMeanSquaredError(BuiltinMean):
    """Keras's ``root_mean_squared_error``: ``sqrt(mean((y_pred - y_true)**2))`` over everything seen.

    The root of the weighted mean of the squared errors over every element of every batch
    (not a mean of per-batch roots), as in Keras.

    Example:
        >>> import numpy as np
        >>> RootMeanSquaredError()(np.zeros((2, 2)), np.array([[3.0, 0.0], [4.0, 1.0]]))   # sqrt(26 / 4)
        2.5495097567963922
    """

    kernel = staticmethod(functions.squared_errors)  # MeanSquaredError's, rooted in result
    default_name = "root_mean_squared_error"

    def result(self) -> float:
        return math.sqrt(super().result())


class MeanAbsolutePercentageError(BuiltinMean):
    """Keras's ``mape``: ``100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))``, weighted per sample.

    Example:
        >>> import numpy as np
        >>> MeanAbsolutePercentageError()(np.array([[2.0], [4.0]]), np.array([[1.0], [5.0]]))   # 50 % and 25 %
        37.5
    """

    kernel = staticmethod(absolute_percentage_errors)
    default_name = "mean_absolute_percentage_error"


class MeanSquaredLogarithmicError(BuiltinMean):
    """Keras's ``msle``: ``mean((log(1 + y_pred) - log(1 + y_true))**2)``, values floored at 1e-7 (Keras's).

    Example:
        >>> import numpy as np
        >>> round(MeanSquaredLogarithmicError()(np.array([[0.0]]), np.array([[np.e - 1]])), 6)
        1.0
    """

    kernel = staticmethod(squared_log_errors)
    default_name = "mean_squared_logarithmic_error"


class LogCoshError(BuiltinMean):
    """Keras's ``LogCoshError`` (named ``"logcosh"``): ``mean(log(cosh(y_pred - y_true)))``, weighted per sample.

    About ``d**2 / 2`` for small errors ``d`` and ``|d| - log 2`` for large ones; computed
    without overflow for any finite error.

    Example:
        >>> import numpy as np
        >>> LogCoshError()(np.zeros((1, 2)), np.array([[0.0, 1e4]]))   # (0 + 1e4 - log 2) / 2
        4999.65342640972
    """

    kernel = staticmethod(log_cosh_errors)
    default_name = "logcosh"
