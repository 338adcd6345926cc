"""Keras's losses: golden values by hand (and Keras's documented examples), names, configs, errors, training."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.datasets import load_digits

from tinyframe import Sequential, losses
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense
from tinyframe.losses import (
    BinaryCrossEntropy,
    CrossEntropy,
    Hinge,
    Huber,
    KLDivergence,
    MeanSquaredError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredError,
)
from tinyframe.optimizers import Adam


def grad_of(loss, y_pred, y_true, sample_weight=None):
    value = loss.forward(np.asarray(y_pred, dtype=float), np.asarray(y_true, dtype=float), sample_weight)
    return value, loss.backward().copy()


# ---------------------------------------------------------------- golden values, by hand
def test_huber_golden():
    y_pred, y_true = [[0.5, 3.0], [-2.0, 0.0]], np.zeros((2, 2))
    # delta 1: 0.5**2/2 = 0.125; 1 * (3 - 0.5) = 2.5; 1 * (2 - 0.5) = 1.5; 0
    value, grad = grad_of(Huber(), y_pred, y_true)
    assert value == pytest.approx((0.125 + 2.5 + 1.5) / 4, rel=1e-15)
    np.testing.assert_allclose(grad, [[0.5 / 4, 1 / 4], [-1 / 4, 0.0]], rtol=1e-15)  # clip(d, -1, 1) / N
    # delta 2: |d| = 2 sits on the seam, where both pieces give 2
    value, grad = grad_of(Huber(delta=2.0), y_pred, y_true)
    assert value == pytest.approx((0.125 + 2 * (3 - 1) + 2.0) / 4, rel=1e-15)
    np.testing.assert_allclose(grad, [[0.5 / 4, 2 / 4], [-2 / 4, 0.0]], rtol=1e-15)


def test_kl_divergence_golden():
    # one position, t = (1/2, 1/2), q = (1/4, 3/4): 1/2 log 2 + 1/2 log(2/3)
    value, grad = grad_of(KLDivergence(), [[0.25, 0.75]], [[0.5, 0.5]])
    assert value == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(2 / 3), rel=1e-14)
    np.testing.assert_allclose(grad, [[-0.5 / 0.25, -0.5 / 0.75]], rtol=1e-15)  # -t / (P c)
    # rank 3: (m, d1, k) = (1, 2, 2), P = 2 positions; the second position is exact, so it costs 0
    value, grad = grad_of(KLDivergence(), [[[0.25, 0.75], [0.5, 0.5]]], [[[0.5, 0.5], [0.5, 0.5]]])
    assert value == pytest.approx((0.5 * math.log(2) + 0.5 * math.log(2 / 3)) / 2, rel=1e-14)
    np.testing.assert_allclose(grad, [[[-1.0, -1 / 3], [-0.5, -0.5]]], rtol=1e-15)


def test_kl_divergence_clips_both_sides_to_eps_and_1():
    eps = np.finfo(np.float64).eps
    # t = 0 is read as eps: eps * log(eps / 0.5) + 1 * log(1 / 0.5)
    value = KLDivergence().forward(np.array([[0.5, 0.5]]), np.array([[0.0, 1.0]]))
    assert value == pytest.approx(eps * math.log(eps / 0.5) + math.log(2), rel=1e-14)
    value = KLDivergence().forward(np.array([[0.0, 2.0]]), np.array([[0.5, 0.5]]))  # q clipped to (eps, 1)
    assert value == pytest.approx(0.5 * math.log(0.5 / eps) + 0.5 * math.log(0.5), rel=1e-14)


def test_hinge_golden():
    # 0/1 labels become -1/1: margins 1 - 0.5, 1 - 2 (< 0: costs 0), 1 + 0.5
    value, grad = grad_of(Hinge(), [[0.5], [2.0], [0.5]], [[1.0], [1.0], [0.0]])
    assert value == pytest.approx((0.5 + 0 + 1.5) / 3, rel=1e-15)
    np.testing.assert_array_equal(grad, [[-1 / 3], [0.0], [1 / 3]])  # -t / N inside the margin
    # -1/1/0 labels are not all 0/1: used as they are, so the 0 label costs 1 whatever the score
    value, grad = grad_of(Hinge(), [[0.5], [0.5], [2.0]], [[-1.0], [1.0], [0.0]])
    assert value == pytest.approx((1.5 + 0.5 + 1.0) / 3, rel=1e-15)
    np.testing.assert_array_equal(grad, [[1 / 3], [-1 / 3], [0.0]])


def test_poisson_golden():
    # 0.5 - 1 * log 0.5, 2 - 0 * log 2; eps (2e-16) moves these by about 1e-16
    value, grad = grad_of(Poisson(), [[0.5], [2.0]], [[1.0], [0.0]])
    assert value == pytest.approx((0.5 - math.log(0.5) + 2.0) / 2, rel=1e-14)
    np.testing.assert_allclose(grad, [[(1 - 1 / 0.5) / 2], [(1 - 0) / 2]], rtol=1e-14)
    with pytest.raises(ValueError, match=r"Poisson\(\) expects rates y_pred >= 0. Received: values down to -0.5"):
        Poisson().forward(np.array([[-0.5]]), np.array([[1.0]]))


def test_sparse_categorical_crossentropy_golden_at_rank_3():
    # (m, d1, k) = (1, 2, 2): softmax(0, log 3) = (1/4, 3/4) with label 1; softmax(0, 0) with label 0; P = 2
    z = [[[0.0, math.log(3.0)], [0.0, 0.0]]]
    value, grad = grad_of(SparseCategoricalCrossentropy(from_logits=True), z, [[1, 0]])
    assert value == pytest.approx(-(math.log(0.75) + math.log(0.5)) / 2, rel=1e-15)
    np.testing.assert_allclose(grad, [[[0.25 / 2, -0.25 / 2], [-0.5 / 2, 0.5 / 2]]], rtol=1e-14)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\) for an output of width 2"):
        SparseCategoricalCrossentropy(from_logits=True).forward(np.zeros((1, 2, 2)), np.array([[1, 2]]))
    with pytest.raises(ValueError, match=r"labels must have the shape of y_pred without its last \(class\) axis"):
        SparseCategoricalCrossentropy().forward(np.full((1, 2, 2), 0.5), np.array([[[1, 0, 1]]]))


def test_weighted_values_divide_by_the_positions_not_by_the_weights():
    # Keras's own example (keras.losses.categorical_crossentropy): per-sample -log 0.95 and -log 0.1
    y_true, y_pred = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]
    per_sample = np.array([-math.log(0.95), -math.log(0.1)])
    assert CrossEntropy().forward(np.array(y_pred), np.array(y_true, float)) == pytest.approx(per_sample.mean())
    value, grad = grad_of(CrossEntropy(), y_pred, y_true, sample_weight=np.array([0.3, 0.7]))
    assert value == pytest.approx((0.3 * per_sample[0] + 0.7 * per_sample[1]) / 2, rel=1e-14)
    np.testing.assert_allclose(grad, np.array([[0.3], [0.7]]) * grad_of(CrossEntropy(), y_pred, y_true)[1])
    # the article's cost: 1/(2m) sum_i w_i ||y_i - h_i||^2
    value = SquaredError().forward(np.array([[1.0, 2.0], [1.0, 0.0]]), np.zeros((2, 2)), np.array([2.0, 0.5]))
    assert value == pytest.approx((2.0 * 5 + 0.5 * 1) / (2 * 2), rel=1e-15)


def test_keras_documented_examples():
    y_true, y_pred = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.6, 0.4], [0.4, 0.6]])
    assert Huber().forward(y_pred, y_true) == pytest.approx(0.155, rel=1e-12)  # keras.losses.huber
    # keras.losses.binary_crossentropy: [0.916, 0.714] per sample
    assert BinaryCrossEntropy().forward(y_pred, y_true) == pytest.approx((0.916 + 0.714) / 2, abs=1e-3)


def test_shapes_of_rank_3_and_4_use_the_last_axis():
    rng = np.random.default_rng(0)
    for shape in ((2, 3, 4), (2, 3, 1, 4)):
        z = rng.normal(size=shape)
        y = np.eye(4)[rng.integers(0, 4, size=shape[:-1])]
        flat = CrossEntropy(from_logits=True).forward(z.reshape(-1, 4), y.reshape(-1, 4))  # one row per position
        assert CrossEntropy(from_logits=True).forward(z, y) == pytest.approx(flat, rel=1e-14)
        se = SquaredError().forward(z, y)  # sums every non-batch axis, divides by m
        assert se == pytest.approx(0.5 * np.sum((z - y) ** 2) / 2, rel=1e-14)
        assert MeanSquaredError().forward(z, y) == pytest.approx(np.mean((z - y) ** 2), rel=1e-14)


def test_a_sigmoid_output_trains_with_categorical_crossentropy():
    """Normalised rows: the other classes are pushed down too (without it, this stayed near chance)."""
    X, y = load_digits(return_X_y=True)
    model = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer=Adam(0.01), metrics=["accuracy"])
    model.fit(X[:1000] / 16, y[:1000], epochs=10, batch_size=32, verbose=0)
    assert (
        model.evaluate(X[1000:] / 16, y[1000:], verbose=0, return_dict=True)["accuracy"] > 0.85
    )  # about 0.93; chance is 0.1


def test_sparse_categorical_crossentropy_in_fit_and_evaluate():
    """Sequential one-hot encodes the labels; the loss takes them as they come."""
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    model = Sequential([Dense(4, 3)], dtype="float64", seed=0)
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True))
    expected = SparseCategoricalCrossentropy(from_logits=True).forward(model.predict(X), labels)
    assert model.evaluate(X, labels, verbose=0, return_dict=True)["loss"] == pytest.approx(expected, rel=1e-14)
    model.fit(X, labels, epochs=3, verbose=0, batch_size=None)
    assert model.evaluate(X, labels, verbose=0, return_dict=True)["loss"] < expected


# ---------------------------------------------------------------- names, config, arguments
def test_unknown_names_are_refused():
    with pytest.raises(
        ValueError, match=r"Unknown loss: expected a Loss instance or one of .*'huber'.* 'squared_hinge'"
    ):
        losses.get("squared_hinge")


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Huber: delta must be in \(0.0, inf\]. Received: delta=0"):
        Huber(delta=0)
    with pytest.raises(TypeError, match="Huber: delta must be a real number. Received: delta='1'"):
        Huber(delta="1")
    with pytest.raises(TypeError, match="SparseCategoricalCrossentropy: from_logits must be True or False"):
        SparseCategoricalCrossentropy(from_logits=None)
    assert repr(SparseCategoricalCrossentropy()) == "SparseCategoricalCrossentropy(from_logits=False)"
