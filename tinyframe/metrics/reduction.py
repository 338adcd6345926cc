"""Mean and Sum: Keras's trackers of values you give them (``update_state(values)``), for a custom training loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .base import Metric, sample_weights


class Reduction(Metric):
    """A tracker of values: ``update_state(values, sample_weight=None)``, not ``(y_true, y_pred)``.

    ``values`` is a number (one sample) or an array ``(m, ...)``; each sample's values are
    first reduced to one (``reduce``: a mean or a sum, as Keras does), then weighted by
    ``sample_weight`` (None, or one weight per sample: shape ``(m,)``, a number for a number).
    `Model.compile` does not take these (a model hands its metrics targets and predictions);
    a custom ``train_step`` or loop updates them, e.g. with its loss.
    """

    reduce: Callable[..., np.ndarray]

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        v = np.asarray(values, dtype=np.float64)
        if v.ndim == 0:  # a number is one sample, its weight a number
            v = v.reshape(1)
            sample_weight = None if sample_weight is None else np.reshape(sample_weight, 1)
        w = sample_weights(self, sample_weight, v.shape[0])
        if v.size == 0:
            return
        per_sample = type(self).reduce(v.reshape(v.shape[0], v[:1].size), axis=1)
        self.total += float(per_sample.sum() if w is None else np.dot(w, per_sample))
        self.count += per_sample.size if w is None else float(w.sum())

    def __call__(self, values: Any, sample_weight: Any = None) -> float:  # type: ignore[override]
        """The value of ``values`` alone (a fresh state; this metric's own state is untouched)."""
        fresh = type(self)(**self.get_config())
        fresh.update_state(values, sample_weight)
        return fresh.result()


class Mean(Reduction):
    """Keras's ``keras.metrics.Mean``: the weighted mean of the values given, over every update.

    Each sample's values are averaged first: ``result = sum_s w_s mean(values_s) / sum_s w_s``.
    No value seen: 0.0.

    Example:
        >>> loss_tracker = Mean(name="loss")
        >>> loss_tracker.update_state(2.0)
        >>> loss_tracker.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> loss_tracker.result()                          # (2 + 1 + 3) / 3
        2.0
    """

    reduce = staticmethod(np.mean)

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class Sum(Reduction):
    """Keras's ``keras.metrics.Sum``: the weighted sum of the values given, ``sum_s w_s sum(values_s)``.

    Example:
        >>> Sum()([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        4.0
    """

    reduce = staticmethod(np.sum)

    def result(self) -> float:
        return self.total
