"""AUC: the exact area under the ROC curve, from every score seen."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Metric, check_same_shape, sample_weights


class AUC(Metric):
    """Binary ROC AUC over every output seen: the probability that a positive outscores a negative.

    As in Keras's ``AUC()`` (``curve="ROC"``, ``multi_label=False``), each element of
    ``y_true``/``y_pred`` (shape ``(m, d1, ..., k)``) is one answer, truly positive where
    ``y_true != 0``, and sample weights weight each sample's answers. With the
    scores sorted from high to low and grouped by equal value, the cumulative
    weighted true- and false-positive rates at each distinct threshold trace the ROC
    curve, and the result is the trapezoidal area under it::

        TPR_t = sum(w [y != 0, score >= t]) / sum(w [y != 0])      (FPR_t likewise for y == 0)
        AUC   = sum_t (FPR_t - FPR_t-1) (TPR_t + TPR_t-1) / 2

    A tie between a positive and a negative counts one half. This is exact: it
    equals ``sklearn.metrics.roc_auc_score(y_true.ravel() != 0, y_pred.ravel(),
    sample_weight=...)``. **Keras differs**: it buckets the scores into 200 fixed
    thresholds in ``[0, 1]`` (``num_thresholds=200``) and interpolates, so its AUC
    is an approximation (off by up to about the fraction of pairs falling in one
    bucket) and needs scores in ``[0, 1]``; here any real scores work (logits too:
    only their order matters). The price is memory: the state keeps every score,
    label and weight seen since ``reset_state`` (17 bytes per output).
    With no positive or no negative seen the result is 0.0, as in Keras.

    Example:
        >>> import numpy as np
        >>> AUC()(np.array([[0], [0], [1], [1]]), np.array([[0.1], [0.4], [0.35], [0.8]]))   # 3 of 4 pairs
        0.75
    """

    def reset_state(self) -> None:
        self.scores: list[np.ndarray] = []
        self.labels: list[np.ndarray] = []
        self.weights: list[np.ndarray] = []

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        check_same_shape(self.name, y_true, y_pred)
        w = sample_weights(self, sample_weight, y_pred.shape[0])
        self.scores.append(np.array(y_pred, dtype=np.float64).ravel())  # a copy: a model reuses its output buffer
        self.labels.append((y_true != 0).ravel())
        per_output = np.ones(y_pred.shape[0]) if w is None else w
        self.weights.append(np.repeat(per_output, y_pred[:1].size))

    def result(self) -> float:
        if not self.scores:
            return 0.0
        scores, positive, w = (np.concatenate(parts) for parts in (self.scores, self.labels, self.weights))
        order = np.argsort(-scores, kind="stable")
        scores, positive, w = scores[order], positive[order], w[order]
        last_of_group = np.append(np.flatnonzero(np.diff(scores)), scores.size - 1)  # one point per distinct score
        tp = np.cumsum(np.where(positive, w, 0.0))[last_of_group]
        fp = np.cumsum(np.where(positive, 0.0, w))[last_of_group]
        if tp[-1] <= 0 or fp[-1] <= 0:
            return 0.0
        tpr = np.concatenate(([0.0], tp / tp[-1]))
        fpr = np.concatenate(([0.0], fp / fp[-1]))
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}
