"""Metric: the stateful base class of metrics (Keras's protocol), and the checks metrics share."""

from __future__ import annotations

import copy
import re
from typing import Any

import numpy as np


class Metric:
    """A value reported during training, accumulated over batches (Keras's ``keras.metrics.Metric``).

    The protocol::

        metric.reset_state()                                   # an empty state (done at construction)
        metric.update_state(y_true, y_pred, sample_weight=None)  # once per batch
        metric.result() -> float                               # the value over everything seen

    so an epoch's value is exact even for metrics that are not means of per-batch
    values (precision, AUC). ``metric(y_true, y_pred, sample_weight=None)`` is a
    one-shot value computed on a fresh copy; the metric's own state is untouched.

    ``y_true`` and ``y_pred`` have shape ``(m, d1, ..., k)``, batch first, classes or
    outputs on the last axis (a model one-hot encodes labels before a metric sees
    them); ``sample_weight`` is None or one weight per sample, shape ``(m,)``.

    A subclass sets its settings, then calls ``super().__init__(name)``, which calls
    ``reset_state``; it implements ``reset_state``, ``update_state`` and ``result``,
    and ``get_config`` if it has settings (``cls(**get_config())`` re-creates it).

    Example:
        >>> import numpy as np
        >>> from tinyframe.metrics import Precision
        >>> precision = Precision()
        >>> precision.update_state(np.array([[1], [0]]), np.array([[0.9], [0.8]]))   # 1 TP, 1 FP
        >>> precision.update_state(np.array([[1]]), np.array([[0.7]]))               # 1 TP
        >>> precision.result()                                                      # 2 / (2 + 1)
        0.6666666666666666
    """

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            words = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", type(self).__name__)  # as Keras: snake case of the class
            name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", words).lower()
        if not isinstance(name, str) or not name:
            raise TypeError(f"{type(self).__name__}: name must be a non-empty string. Received: name={name!r}")
        self.name = name
        self.reset_state()

    def reset_state(self) -> None:
        raise NotImplementedError

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError

    def result(self) -> float:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        fresh = copy.deepcopy(self)
        fresh.reset_state()
        fresh.update_state(y_true, y_pred, sample_weight)
        return fresh.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def sample_weights(metric: Metric, sample_weight: Any, m: int) -> np.ndarray | None:
    """``sample_weight`` as float64 of shape ``(m,)`` (None stays None); ValueError/TypeError naming ``metric``."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "iuf":
        raise TypeError(f"{metric.name}: sample_weight must hold real numbers. Received: dtype {w.dtype}")
    if w.shape != (m,):
        raise ValueError(
            f"{metric.name}: sample_weight must have shape ({m},), one weight per sample. Received: shape {w.shape}"
        )
    return w.astype(np.float64, copy=False)


def check_same_shape(name: str, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{name}: y_true and y_pred must have the same shape. "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}"
        )
