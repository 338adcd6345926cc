"""Binary metrics from accumulated (weighted) confusion counts: the four counts, Precision and Recall."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_float
from .base import Metric, check_same_shape, sample_weights


class ConfusionCounts(Metric):
    """Accumulates the weighted true and false positives and negatives over every output seen.

    As in Keras, every element of ``y_true``/``y_pred`` (shape ``(m, d1, ..., k)``) is
    one yes/no answer: predicted positive where ``y_pred > thresholds`` (strict),
    truly positive where ``y_true != 0``. Sample weights multiply each sample's
    counts. Subclasses turn the counts into their ``result``.

    ``thresholds``: one float; None (Keras's default) is 0.5. Keras's list of thresholds
    (a result per threshold) is not taken.
    """

    def __init__(self, thresholds: float | None = None, name: str | None = None) -> None:
        inf = float("inf")
        thresholds = 0.5 if thresholds is None else thresholds
        self.thresholds = check_float(thresholds, "thresholds", type(self).__name__, -inf, inf, high_open=True)
        super().__init__(name)

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = self.true_negatives = self.false_negatives = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        check_same_shape(self.name, y_true, y_pred)
        w = sample_weights(self, sample_weight, y_pred.shape[0])
        predicted = (y_pred > self.thresholds).reshape(y_pred.shape[0], y_pred[:1].size)  # m may be 0
        actual = (y_true != 0).reshape(predicted.shape)

        def count(hits: np.ndarray) -> float:
            per_sample = np.count_nonzero(hits, axis=1)
            return float(per_sample.sum()) if w is None else float(np.dot(w, per_sample))

        self.true_positives += count(predicted & actual)
        self.false_positives += count(predicted & ~actual)
        self.true_negatives += count(~predicted & ~actual)
        self.false_negatives += count(~predicted & actual)

    def get_config(self) -> dict[str, Any]:
        return {"thresholds": self.thresholds, "name": self.name}


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0  # Keras's divide_no_nan


class Precision(ConfusionCounts):
    """Keras's ``precision`` (binary): of the outputs predicted positive, the fraction truly positive.

    Over every output seen, with weighted counts (see `ConfusionCounts`)::

        precision = TP / (TP + FP)          0 when nothing was predicted positive (as Keras)

    Args:
        thresholds: ``y_pred > thresholds`` is a positive prediction; None (0.5) by default
            (Keras's name; one float here, not a list).
        name: the key in the logs; ``"precision"`` by default.

    Example:
        >>> import numpy as np
        >>> Precision()(np.array([[1], [0], [1]]), np.array([[0.9], [0.6], [0.2]]))   # 1 TP, 1 FP
        0.5
    """

    def result(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_positives)


class Recall(ConfusionCounts):
    """Keras's ``recall`` (binary): of the truly positive outputs, the fraction predicted positive.

    Over every output seen, with weighted counts (see `ConfusionCounts`)::

        recall = TP / (TP + FN)             0 when there was no positive (as Keras)

    Args:
        thresholds: ``y_pred > thresholds`` is a positive prediction; None (0.5) by default.
        name: the key in the logs; ``"recall"`` by default.

    Example:
        >>> import numpy as np
        >>> Recall()(np.array([[1], [1], [0]]), np.array([[0.9], [0.2], [0.7]]))   # 1 TP, 1 FN
        0.5
    """

    def result(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_negatives)


class TruePositives(ConfusionCounts):
    """Keras's ``true_positives``: the weighted count of outputs predicted positive that are positive.

    Args as `Precision` (``thresholds=None`` is 0.5); the name is ``"true_positives"`` by default.

    Example:
        >>> import numpy as np
        >>> TruePositives()(np.array([[1], [0], [1]]), np.array([[0.9], [0.6], [0.2]]))
        1.0
    """

    def result(self) -> float:
        return self.true_positives


class FalsePositives(ConfusionCounts):
    """Keras's ``false_positives``: the weighted count of outputs predicted positive that are negative.

    Example:
        >>> import numpy as np
        >>> FalsePositives(thresholds=0.5)(np.array([[1], [0], [0]]), np.array([[0.9], [0.6], [0.7]]))
        2.0
    """

    def result(self) -> float:
        return self.false_positives


class TrueNegatives(ConfusionCounts):
    """Keras's ``true_negatives``: the weighted count of outputs predicted negative that are negative.

    Example:
        >>> import numpy as np
        >>> TrueNegatives()(np.array([[0], [0], [1]]), np.array([[0.1], [0.6], [0.2]]), sample_weight=[2, 1, 1])
        2.0
    """

    def result(self) -> float:
        return self.true_negatives


class FalseNegatives(ConfusionCounts):
    """Keras's ``false_negatives``: the weighted count of outputs predicted negative that are positive.

    Example:
        >>> import numpy as np
        >>> FalseNegatives()(np.array([[1, 1]]), np.array([[0.5, 0.2]]))   # 0.5 is not > 0.5
        2.0
    """

    def result(self) -> float:
        return self.false_negatives
