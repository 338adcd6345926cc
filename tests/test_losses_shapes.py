"""Every loss on outputs of rank 2-4, with and without sample weights: gradients, reductions, the weight contract.

Gradients are checked against float64 central differences (`tinyframe.gradcheck`)
over Hypothesis-drawn shapes ``(m, d1, ..., k)`` and values; the weighted forms
through ``forward(..., sample_weight=w)``. Reductions are checked against an
independent rule: the loss of a batch is the mean, over its samples, of each sample's
loss alone (every position of a sample has the same count), and a weighted loss
is that mean with each sample's loss times its weight (Keras divides by the
number of positions, not by the sum of the weights).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinyframe import gradcheck
from tinyframe.losses import (
    BinaryCrossEntropy,
    CrossEntropy,
    Hinge,
    Huber,
    KLDivergence,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredError,
)

from .strategies import CHECK_MARGIN, arrays, record

shapes = st.lists(st.integers(1, 3), min_size=2, max_size=4).map(tuple)  # (m, d1, ..., k), rank 2 to 4


def labels(shape):
    """Integer class labels of shape ``shape[:-1]`` for an output of shape ``shape``."""
    n = int(np.prod(shape[:-1]))
    return st.lists(st.integers(0, shape[-1] - 1), min_size=n, max_size=n).map(lambda v: np.reshape(v, shape[:-1]))


def one_hot(shape):
    return labels(shape).map(lambda v: np.eye(shape[-1])[v])


def distributions(shape):
    """Rows (over the last axis) of positive weights summing to 1."""
    return arrays(shape, 0.05, 1.0).map(lambda w: w / w.sum(axis=-1, keepdims=True))


def signs(shape):
    return st.lists(st.sampled_from([-1.0, 1.0]), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))).map(
        lambda v: np.array(v).reshape(shape)
    )


def bits(shape):
    return signs(shape).map(lambda s: (s + 1) / 2)


def normalised(p):
    return p / p.sum(axis=-1, keepdims=True)


def kinks_away(margin):
    """A filter: every element of ``margin(y_pred, y_true)`` at least CHECK_MARGIN from the kink at 0."""
    return lambda y_pred, y_true: bool(np.all(np.abs(margin(y_pred, y_true)) >= CHECK_MARGIN))


def away_from_y(y_pred, y_true):
    """Not at y_pred == y_true everywhere, where these gradients are exactly 0 (below what differences resolve)."""
    return np.abs(y_pred - y_true).max() > CHECK_MARGIN


# name -> (loss factory, strategy of y_pred, strategy of y_true, where central differences can check it)
CASES = {
    "SquaredError": (SquaredError, arrays, arrays, None),
    "MeanSquaredError": (MeanSquaredError, arrays, arrays, None),
    "MeanAbsoluteError": (MeanAbsoluteError, arrays, arrays, kinks_away(lambda p, y: p - y)),
    "Huber": (lambda: Huber(0.7), arrays, arrays, kinks_away(lambda p, y: np.abs(p - y) - 0.7)),
    "CrossEntropy(logits)": (
        lambda: CrossEntropy(from_logits=True),
        lambda s: arrays(s, -5, 5),
        distributions,
        lambda z, y: z.shape[-1] == 1 or np.abs(normalised(np.exp(z)) - y).max() > CHECK_MARGIN,
    ),
    "CrossEntropy(probs)": (
        lambda: CrossEntropy(label_smoothing=0.1),
        lambda s: arrays(s, 0.05, 0.95),
        one_hot,
        lambda p, y: p.shape[-1] == 1 or np.abs(normalised(p) - (0.9 * y + 0.1 / y.shape[-1])).max() > CHECK_MARGIN,
    ),
    "SparseCategoricalCrossentropy(logits)": (
        lambda: SparseCategoricalCrossentropy(from_logits=True),
        lambda s: arrays(s, -5, 5),
        labels,
        None,
    ),
    "BCE(logits)": (lambda: BinaryCrossEntropy(from_logits=True), lambda s: arrays(s, -5, 5), bits, None),
    "BCE(probs)": (BinaryCrossEntropy, lambda s: arrays(s, 0.05, 0.95), lambda s: arrays(s, 0.0, 1.0), away_from_y),
    "KLDivergence": (KLDivergence, lambda s: arrays(s, 0.05, 0.95), distributions, None),
    "Hinge(-1/1)": (Hinge, arrays, signs, kinks_away(lambda p, y: 1 - y * p)),
    "Hinge(0/1)": (Hinge, arrays, bits, kinks_away(lambda p, y: 1 - (2 * y - 1) * p)),
    "Poisson": (Poisson, lambda s: arrays(s, 0.05, 3.0), lambda s: arrays(s, 0.0, 4.0), away_from_y),
}


def draw_case(data, name, shape):
    factory, y_pred_of, y_true_of, checkable = CASES[name]
    y_pred, y_true = data.draw(y_pred_of(shape)), data.draw(y_true_of(shape))
    if checkable is not None:
        assume(checkable(y_pred, y_true))
    return factory(), y_pred, y_true


def check_weighted(loss, y_pred, y_true, w):
    """Relative error of backward() against central differences of forward(..., sample_weight=w)."""

    def J():
        return float(loss.forward(y_pred, y_true, sample_weight=w))

    J0 = J()
    analytic = loss.backward().copy()
    return gradcheck.relative_error(analytic, gradcheck.numerical_gradient(J, y_pred), J0)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=20)  # 13 losses: 260 shapes and values in all
@given(data=st.data(), shape=shapes)
def test_every_loss_at_any_rank(name, data, shape):
    loss, y_pred, y_true = draw_case(data, name, shape)
    w = data.draw(arrays(shape[:1], 0.0, 2.0))
    record(f"{name} rank {len(shape)}", gradcheck.check_loss(loss, y_pred, y_true))
    record(f"{name} weighted", gradcheck.GradCheckResult({"y_pred": check_weighted(loss, y_pred, y_true, w)}))

    # the reduction: the mean over samples of each sample's loss alone, times its weight
    alone = np.array([loss.forward(y_pred[s : s + 1], y_true[s : s + 1]) for s in range(shape[0])])
    tol = 1e-12 * (np.abs(alone).sum() + 1)  # sums of a few dozen float64 terms, in another order
    assert loss.forward(y_pred, y_true) == pytest.approx(alone.mean(), rel=1e-12, abs=tol)
    assert loss.forward(y_pred, y_true, sample_weight=w) == pytest.approx((w * alone).mean(), rel=1e-12, abs=tol)
    unweighted_grad = (loss.forward(y_pred, y_true), loss.backward().copy())[1]
    loss.forward(y_pred, y_true, sample_weight=np.ones(shape[0]))
    np.testing.assert_allclose(loss.backward(), unweighted_grad, rtol=1e-14, atol=0)


@given(data=st.data(), shape=shapes)
def test_sparse_labels_give_the_one_hot_loss(data, shape):
    z = data.draw(arrays(shape, -5, 5))
    classes = data.draw(labels(shape))
    y = np.eye(shape[-1])[classes]
    for from_logits in (True, False):
        y_pred = z if from_logits else 1 / (1 + np.exp(-z))  # probabilities that need normalising
        sparse, dense = SparseCategoricalCrossentropy(from_logits), CrossEntropy(from_logits)
        expected = dense.forward(y_pred, y)
        grad = dense.backward().copy()
        for targets in (classes, classes[..., None], y) if shape[-1] > 1 else (classes, classes[..., None]):
            assert sparse.forward(y_pred, targets) == pytest.approx(expected, rel=1e-14)
            np.testing.assert_allclose(sparse.backward(), grad, rtol=1e-14)


# ---------------------------------------------------------------- the weight contract
class OldStyle(Loss):
    """A custom loss written to the old contract: value/gradient with its own sums, no weights."""

    def value(self, y_pred, y_true):
        return float(np.sum(np.abs(y_pred - y_true))) / y_pred.shape[0]

    def gradient(self, out):
        return np.divide(np.sign(self._y_pred - self._y_true), out.shape[0], out=out)


class ThroughTotal(OldStyle):
    def value(self, y_pred, y_true):
        return self.total(np.abs(y_pred - y_true)) / y_pred.shape[0]


def test_a_custom_loss_without_weights_still_works_and_refuses_weights_clearly():
    y_pred, y_true = np.array([[1.0, -2.0], [0.5, 0.0]]), np.zeros((2, 2))
    loss = OldStyle()
    assert loss.forward(y_pred, y_true) == 3.5 / 2
    np.testing.assert_array_equal(loss.backward(), [[0.5, -0.5], [0.5, 0.0]])
    with pytest.raises(TypeError, match=r"OldStyle does not support sample_weight: its value\(\) does not reduce"):
        loss.forward(y_pred, y_true, sample_weight=np.ones(2))
    with pytest.raises(RuntimeError, match="call forward"):  # the refused call left nothing for backward
        loss.backward()
    weighted = ThroughTotal()  # a custom loss that sums through self.total gets weights for free
    assert weighted.forward(y_pred, y_true, sample_weight=np.array([2.0, 0.0])) == 2 * 3.0 / 2
    np.testing.assert_array_equal(weighted.backward(), [[1.0, -1.0], [0.0, 0.0]])


@pytest.mark.parametrize(
    "sample_weight, error, match",
    [
        (
            np.ones(3),
            ValueError,
            r"sample_weight must have shape \(2,\), one weight per sample. Received: shape \(3,\)",
        ),
        (np.ones((2, 1)), ValueError, r"must have shape \(2,\).* Received: shape \(2, 1\)"),
        (np.array(["a", "b"]), TypeError, "sample_weight must hold real numbers. Received: dtype <U1"),
        (np.array([1.0, np.nan]), ValueError, r"sample_weight must be finite. Received: \[nan\]"),
    ],
)
def test_bad_sample_weights(sample_weight, error, match):
    with pytest.raises(error, match=match):
        MeanSquaredError().forward(np.zeros((2, 3)), np.zeros((2, 3)), sample_weight=sample_weight)


def test_sample_weights_take_the_prediction_dtype_and_keep_the_gradient_dtype():
    y_pred = np.array([[0.2, 0.8]], np.float32)
    loss = CrossEntropy()
    loss.forward(y_pred, np.array([[0.0, 1.0]], np.float32), sample_weight=np.array([3], np.int64))
    assert loss.backward().dtype == np.float32
