"""Metric, the stateful base class (Keras's protocol), and MeanMetricWrapper for plain functions."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
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


class MeanMetricWrapper(Metric):
    """A metric from a function ``fn(y_true, y_pred, **kwargs)``: the (weighted) mean of its values over all batches.

    ``fn`` returns either one value per sample or position (an array of shape
    ``(m, ...)``), or one value for the whole batch (a scalar). Over the batches
    seen, with ``w_s`` the weight of sample ``s`` (1 without ``sample_weight``) and
    ``v_sj`` its values::

        result = sum_s w_s sum_j v_sj / sum_s w_s n_s        (n_s: the values of sample s)

    A scalar counts as the value of each of the batch's samples, so per-batch values
    are averaged weighted by the batch size (or the batch's summed weights).
    Accumulated in float64. No data seen: 0.0, as in Keras.

    Args:
        fn: the function; its ``__name__`` is the default name.
        name: the metric's name (the key in the logs and History).
        **kwargs: passed to ``fn`` on every call.

    Example:
        >>> import numpy as np
        >>> def max_error(y_true, y_pred):
        ...     return np.abs(y_pred - y_true).max(axis=-1)          # one value per sample
        >>> metric = MeanMetricWrapper(max_error)
        >>> metric.update_state(np.zeros((2, 2)), np.array([[1.0, 3.0], [0.0, 1.0]]))
        >>> metric.result(), metric.name
        (2.0, 'max_error')
    """

    def __init__(self, fn: Callable[..., Any], name: str | None = None, **kwargs: Any) -> None:
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: fn must be callable. Received: {fn!r}")
        self.fn, self.fn_kwargs = fn, kwargs
        super().__init__(getattr(fn, "__name__", type(fn).__name__) if name is None else name)

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = np.asarray(y_pred)
        w = sample_weights(self, sample_weight, y_pred.shape[0])
        values = np.asarray(self.fn(np.asarray(y_true), y_pred, **self.fn_kwargs), dtype=np.float64)
        m = y_pred.shape[0]
        if values.ndim == 0:
            weight = m if w is None else float(w.sum())
            self.total += float(values) * weight
            self.count += weight
            return
        if values.shape[0] != m:
            raise ValueError(
                f"{self.name}: the function must return a scalar or one value per sample (shape ({m}, ...)). "
                f"Received: shape {values.shape}"
            )
        rows = values.reshape(m, int(np.prod(values.shape[1:])))  # (m, values per sample); m may be 0
        if w is None:
            self.total += float(rows.sum())
            self.count += rows.size
        else:
            self.total += float(np.dot(w, rows.sum(axis=1)))
            self.count += float(w.sum()) * rows.shape[1]

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def get_config(self) -> dict[str, Any]:
        return {"fn": self.fn, "name": self.name, **self.fn_kwargs}

    def __deepcopy__(self, memo: dict[int, Any]) -> MeanMetricWrapper:
        # fn is a setting, shared by the copies (deep-copying a bound method would copy its object)
        memo[id(self.fn)] = self.fn
        clone = memo[id(self)] = copy.copy(self)
        clone.__dict__.update({k: copy.deepcopy(v, memo) for k, v in self.__dict__.items()})
        return clone


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
