"""Metrics against scikit-learn (an independent oracle), with sample weights; streaming equals one shot."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyframe import metrics
from tinyframe.metrics import AUC, Precision, Recall

sk = pytest.importorskip("sklearn.metrics")

shapes = st.lists(st.integers(1, 4), min_size=2, max_size=4).map(tuple)  # (m, d1, ..., k), rank 2 to 4


@st.composite
def batches(draw, ties=False):
    """``(y_true one-hot, y_pred, weights)`` of a random shape; scores on a coarse grid when ``ties``."""
    shape = draw(shapes)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    m = shape[0] * draw(st.integers(1, 3))  # room to split into batches
    shape = (m, *shape[1:])
    y_true = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
    y_pred = rng.random(shape)
    if ties:
        y_pred = np.round(y_pred, 1)
    return y_true, y_pred, rng.random(m) * 2


def flat(y_true, y_pred, w):
    """Every element as one sample, each weighted by its sample's weight (Keras's flattening)."""
    return y_true.ravel(), y_pred.ravel(), np.repeat(w, y_pred[:1].size)


@given(batches(ties=True))
def test_binary_metrics_match_sklearn(batch):
    y_true, y_pred, w = batch
    labels, scores, weights = flat(y_true, y_pred, w)
    predicted = scores > 0.5
    for cls, fn in ((Precision, sk.precision_score), (Recall, sk.recall_score)):
        expected = fn(labels, predicted, sample_weight=weights, zero_division=0)
        assert cls()(y_true, y_pred, sample_weight=w) == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert cls()(y_true, y_pred) == pytest.approx(fn(labels, predicted, zero_division=0), rel=1e-12, abs=1e-15)
    if 0 < labels.sum() < labels.size:
        expected = sk.roc_auc_score(labels, scores, sample_weight=weights)
        assert AUC()(y_true, y_pred, sample_weight=w) == pytest.approx(expected, rel=1e-12)
        assert AUC()(y_true, y_pred) == pytest.approx(sk.roc_auc_score(labels, scores), rel=1e-12)
    assert metrics.get("binary_accuracy")(y_true, y_pred, sample_weight=w) == pytest.approx(
        sk.accuracy_score(labels, predicted, sample_weight=weights), rel=1e-12
    )


@given(batches())
def test_class_and_error_metrics_match_sklearn(batch):
    y_true, y_pred, w = batch
    k = y_pred.shape[-1]
    labels, scores = y_true.reshape(-1, k).argmax(-1), y_pred.reshape(-1, k)  # one row per position
    weights = np.repeat(w, labels.size // w.size)
    expected = sk.accuracy_score(labels, scores.argmax(-1), sample_weight=weights)
    # with one output, "accuracy" thresholds and sparse targets are labels: covered by hand in test_metrics
    for name in ("categorical_accuracy",) + (("accuracy", "sparse_categorical_accuracy") if k > 1 else ()):
        assert metrics.get(name)(y_true, y_pred, sample_weight=w) == pytest.approx(expected, rel=1e-12)
    if k > 2:  # scikit-learn's top-k needs k < classes; continuous scores: no ties
        expected = sk.top_k_accuracy_score(labels, scores, k=2, sample_weight=weights, labels=np.arange(k))
        assert metrics.TopKCategoricalAccuracy(k=2)(y_true, y_pred, sample_weight=w) == pytest.approx(expected)
    for name, fn in (("mse", sk.mean_squared_error), ("mae", sk.mean_absolute_error)):
        expected = fn(y_true.reshape(-1, k), scores, sample_weight=weights)
        assert metrics.get(name)(y_true, y_pred, sample_weight=w) == pytest.approx(expected, rel=1e-12)


METRICS = ["accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
           "binary_accuracy", "mse", "mae", "precision", "recall", "auc"]  # fmt: skip


@settings(max_examples=25)
@given(batches(ties=True), st.lists(st.integers(0, 100), max_size=4), st.booleans())
def test_streaming_over_batches_equals_one_shot(batch, cuts, weighted):
    y_true, y_pred, w = batch
    w = w if weighted else None
    edges = [0, *sorted(c % (y_pred.shape[0] + 1) for c in cuts), y_pred.shape[0]]
    for name in METRICS:
        streamed = metrics.get(name)
        for lo, hi in zip(edges, edges[1:]):  # empty batches too
            streamed.update_state(y_true[lo:hi], y_pred[lo:hi], None if w is None else w[lo:hi])
        one_shot = metrics.get(name)(y_true, y_pred, sample_weight=w)
        assert streamed.result() == pytest.approx(one_shot, rel=1e-12, abs=1e-15), name
