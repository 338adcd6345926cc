"""Metric functions: per-position kernels (what the metric classes average), plain ``accuracy``, ``mse``, ``mae``.

The kernels take ``(y_true, y_pred)`` of shape ``(m, d1, ..., k)`` and return one
value per position ``(m, d1, ...)`` (a hit, 0 or 1) or per element ``(m, d1, ..., k)``;
the mean over them is the metric. A mean over elements equals Keras's mean over
the last axis, then over the positions, and weights broadcast the same way.
"""

from __future__ import annotations

import numpy as np

from .base import check_same_shape


def accuracy_values(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Hits per position: the arg-max over the last axis matches; for one output (``k = 1``), ``>= 0.5`` on both."""
    check_same_shape("accuracy", y_true, y_pred)
    if y_pred.shape[-1] == 1:
        return ((y_pred >= 0.5) == (y_true >= 0.5))[..., 0]
    return np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)


def categorical_accuracy_values(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Hits per position: ``argmax(y_pred) == argmax(y_true)`` over the last axis (one-hot targets)."""
    check_same_shape("categorical_accuracy", y_true, y_pred)
    return np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)


def sparse_categorical_accuracy_values(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Hits per position: ``argmax(y_pred) == label``; labels ``(m, ...)``, ``(m, ..., 1)`` or one-hot rows."""
    return np.argmax(y_pred, axis=-1) == class_labels("sparse_categorical_accuracy", y_true, y_pred)


def top_k_categorical_accuracy_values(y_true: np.ndarray, y_pred: np.ndarray, k: int = 5) -> np.ndarray:
    """Hits per position: fewer than ``k`` classes score strictly above the target class (ties count as in)."""
    check_same_shape("top_k_categorical_accuracy", y_true, y_pred)
    target = np.take_along_axis(y_pred, np.argmax(y_true, axis=-1)[..., None], axis=-1)
    return np.count_nonzero(y_pred > target, axis=-1) < k


def binary_accuracy_values(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Hits per element: ``y_true == (y_pred > threshold)`` (Keras: targets 0 or 1, a strict threshold)."""
    check_same_shape("binary_accuracy", y_true, y_pred)
    return y_true == (y_pred > threshold)


def squared_errors(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """``(y_pred - y_true)**2`` per element."""
    check_same_shape("mean_squared_error", y_true, y_pred)
    return np.square(y_pred - y_true)


def absolute_errors(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """``|y_pred - y_true|`` per element."""
    check_same_shape("mean_absolute_error", y_true, y_pred)
    return np.abs(y_pred - y_true)


def class_labels(name: str, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Integer class labels of shape ``y_pred.shape[:-1]`` from labels, ``(..., 1)`` labels, or one-hot rows."""
    shape, k = y_true.shape, y_pred.shape[-1]
    if shape == y_pred.shape and k > 1:
        return np.argmax(y_true, axis=-1)
    if len(shape) == y_pred.ndim and shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"{name}: y_true must be class labels of shape {y_pred.shape[:-1]} (or with a trailing 1) or one-hot "
            f"of y_pred's shape {y_pred.shape}. Received: y_true.shape={shape}"
        )
    return y_true


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of positions whose arg-max over the last axis matches; for one output, ``>= 0.5`` on both.

    >>> import numpy as np
    >>> accuracy(np.array([[0, 1], [1, 0]]), np.array([[0.2, 0.8], [0.3, 0.7]]))
    0.5
    """
    return float(np.mean(accuracy_values(np.asarray(y_true), np.asarray(y_pred))))


def mse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean squared error over all samples and outputs (Keras's ``mse``): ``mean((y_pred - y_true)**2)``."""
    return float(np.mean(squared_errors(np.asarray(y_true), np.asarray(y_pred))))


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute error over all samples and outputs (Keras's ``mae``): ``mean(|y_pred - y_true|)``."""
    return float(np.mean(absolute_errors(np.asarray(y_true), np.asarray(y_pred))))
