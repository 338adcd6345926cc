"""MeanMetricWrapper: a metric from a plain function, the (weighted) mean of its values over all batches."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from .base import Metric, sample_weights


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
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)  # no copies: fit passes arrays
        m = y_pred.shape[0]
        w = sample_weights(self, sample_weight, m)
        values = self.fn(y_true, y_pred, **self.fn_kwargs)
        if w is None and type(values) is np.ndarray and values.ndim and values.shape[0] == m:  # fit's usual path
            self.total += float(values.sum(dtype=np.float64))
            self.count += values.size
            return
        values = np.asarray(values, dtype=np.float64)
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
