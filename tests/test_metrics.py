"""Metrics: golden values by hand, the stateful protocol, names, errors, and their use by a model."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

from tinyframe import Sequential, load_model, metrics
from tinyframe._config import metric_specs
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense
from tinyframe.metrics import (
    AUC,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    MeanAbsoluteError,
    MeanMetricWrapper,
    MeanSquaredError,
    Metric,
    Precision,
    Recall,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
)


def test_golden_values():
    y_true = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    y_pred = np.array([[0.2, 0.8], [0.6, 0.4], [0.9, 0.1]])
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(2 / 3)
    # squared errors: .04+.04, .16+.16, .81+.81 -> sum 2.02 over 6
    assert metrics.mse(y_true, y_pred) == pytest.approx(2.02 / 6)
    assert metrics.mae(y_true, y_pred) == pytest.approx((0.2 + 0.2 + 0.4 + 0.4 + 0.9 + 0.9) / 6)
    assert metrics.accuracy(np.array([[1.0], [0.0]]), np.array([[0.7], [0.7]])) == 0.5  # one output: >= 0.5
    assert Accuracy()(y_true, y_pred) == pytest.approx(2 / 3)
    assert MeanSquaredError()(y_true, y_pred) == pytest.approx(2.02 / 6)
    assert MeanAbsoluteError()(y_true, y_pred) == pytest.approx(3.0 / 6)


def test_accuracies_by_hand():
    y = np.eye(4)[[0, 1, 2, 3]]
    scores = np.array([[0.5, 0.3, 0.1, 0.1], [0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]])
    # arg-max 0, 0, 3, 3 against 0, 1, 2, 3
    assert CategoricalAccuracy()(y, scores) == 0.5
    assert SparseCategoricalAccuracy()(np.array([0, 1, 2, 3]), scores) == 0.5
    assert SparseCategoricalAccuracy()(np.array([[0], [1], [2], [3]]), scores) == 0.5
    assert SparseCategoricalAccuracy()(y, scores) == 0.5  # one-hot, as a model passes them
    # ranks of the target: 1st, 2nd, 2nd, 1st -> top-1: 2 of 4, top-2: all; k >= classes: all
    assert TopKCategoricalAccuracy(k=1)(y, scores) == 0.5
    assert TopKCategoricalAccuracy(k=2)(y, scores) == 1.0
    assert TopKCategoricalAccuracy()(y, scores) == 1.0
    # a tie at the boundary counts as in (as in Keras): target 0.3 tied with another 0.3 for 2nd place
    assert TopKCategoricalAccuracy(k=2)(np.eye(3)[[0]], np.array([[0.3, 0.4, 0.3]])) == 1.0
    assert TopKCategoricalAccuracy(k=1)(np.eye(3)[[0]], np.array([[0.3, 0.4, 0.3]])) == 0.0
    # binary: 1 vs 0.9 yes, 0 vs 0.5 (not > 0.5) yes, 1 vs 0.5 no, 0 vs 0.7 no
    assert BinaryAccuracy()(np.array([[1, 0], [1, 0]]), np.array([[0.9, 0.5], [0.5, 0.7]])) == 0.5
    assert BinaryAccuracy(threshold=0.6)(np.array([[1, 0], [1, 0]]), np.array([[0.9, 0.5], [0.5, 0.7]])) == 0.5


def test_precision_recall_auc_by_hand():
    y = np.array([[1], [1], [1], [0], [0]])
    p = np.array([[0.9], [0.6], [0.3], [0.7], [0.2]])
    # predicted positive (> 0.5): 0.9 TP, 0.6 TP, 0.7 FP; 0.3 is a FN
    assert Precision()(y, p) == pytest.approx(2 / 3)
    assert Recall()(y, p) == pytest.approx(2 / 3)
    assert Precision(thresholds=0.65)(y, p) == pytest.approx(1 / 2) and Recall(0.65)(y, p) == pytest.approx(1 / 3)
    # pairs (positive, negative) ranked right: 0.9 > both, 0.6 > 0.2, 0.3 > 0.2: 4 of 6
    assert AUC()(y, p) == pytest.approx(4 / 6)
    assert AUC()(y, np.array([[0.9], [0.7], [0.3], [0.7], [0.2]])) == pytest.approx(4.5 / 6)  # a tie: one half
    # weights: sample 0 counts 3 times, sample 3 not at all
    w = np.array([3.0, 1.0, 1.0, 0.0, 1.0])
    assert Precision()(y, p, sample_weight=w) == 1.0 and Recall()(y, p, sample_weight=w) == pytest.approx(4 / 5)
    assert AUC()(y, p, sample_weight=w) == pytest.approx((3 + 1 + 1) / (5 * 1))  # every positive above the 0.2


def test_nothing_to_count_gives_zero_as_in_keras():
    assert Precision()(np.array([[1]]), np.array([[0.1]])) == 0.0  # nothing predicted positive
    assert Recall()(np.array([[0]]), np.array([[0.9]])) == 0.0  # no positive
    assert AUC()(np.array([[1], [1]]), np.array([[0.1], [0.9]])) == 0.0  # one class only
    for metric in (Accuracy(), Precision(), AUC()):
        assert metric.result() == 0.0  # nothing seen


def test_metrics_accept_any_rank():
    rng = np.random.default_rng(0)
    y_pred = rng.random((3, 4, 2, 5))
    labels = rng.integers(0, 5, (3, 4, 2))
    y = np.eye(5)[labels]
    hits = y_pred.argmax(-1) == labels
    for metric in (Accuracy(), CategoricalAccuracy(), SparseCategoricalAccuracy()):
        assert metric(y, y_pred) == pytest.approx(hits.mean())
    assert SparseCategoricalAccuracy()(labels, y_pred) == pytest.approx(hits.mean())
    w = rng.random(3)  # one weight per sample, broadcast over its 8 positions
    expected = (w[:, None] * hits.reshape(3, -1)).sum() / (8 * w.sum())
    assert CategoricalAccuracy()(y, y_pred, sample_weight=w) == pytest.approx(expected)
    assert Precision()(y, y_pred) == pytest.approx(((y_pred > 0.5) & (y == 1)).sum() / (y_pred > 0.5).sum())


def test_state_accumulates_and_resets_and_copies_are_independent():
    metric = Precision()
    metric.update_state(np.array([[1], [0]]), np.array([[0.9], [0.8]]))
    snapshot = copy.deepcopy(metric)
    assert metric(np.array([[1]]), np.array([[0.9]])) == 1.0  # one-shot: the state is untouched
    assert metric.result() == 0.5
    metric.update_state(np.array([[1]]), np.array([[0.7]]))
    assert metric.result() == pytest.approx(2 / 3) and snapshot.result() == 0.5
    metric.reset_state()
    assert metric.result() == 0.0
    auc = AUC()
    y_hat = np.array([[0.2], [0.8]])
    auc.update_state(np.array([[0], [1]]), y_hat)
    y_hat[...] = [[0.9], [0.1]]  # a model reuses its output buffer: the state must hold a copy
    assert auc.result() == 1.0


def test_mean_metric_wrapper_of_per_sample_and_per_batch_functions():
    def per_sample(y_true, y_pred):
        return np.abs(y_pred - y_true).max(axis=-1)

    def per_batch(y_true, y_pred):
        return float(np.abs(y_pred - y_true).max())

    wrapped, batch_level = MeanMetricWrapper(per_sample), MeanMetricWrapper(per_batch, name="worst")
    assert (wrapped.name, batch_level.name) == ("per_sample", "worst")
    for metric in (wrapped, batch_level):
        metric.update_state(np.zeros((2, 2)), np.array([[1.0, 3.0], [0.0, 1.0]]))
        metric.update_state(np.zeros((1, 2)), np.array([[2.0, 0.0]]))
    assert wrapped.result() == pytest.approx((3 + 1 + 2) / 3)
    assert batch_level.result() == pytest.approx((3 * 2 + 2 * 1) / 3)  # batch values weighted by batch size
    weighted = MeanMetricWrapper(per_sample)
    weighted.update_state(np.zeros((2, 2)), np.array([[1.0, 3.0], [0.0, 1.0]]), sample_weight=np.array([1.0, 3.0]))
    assert weighted.result() == pytest.approx((3 + 3 * 1) / 4)
    with pytest.raises(ValueError, match=r"bad: the function must return a scalar or one value per sample"):
        MeanMetricWrapper(lambda y_true, y_pred: np.zeros(5), name="bad").update_state(
            np.zeros((2, 1)), np.ones((2, 1))
        )
    with pytest.raises(TypeError, match="MeanMetricWrapper: fn must be callable. Received: 3"):
        MeanMetricWrapper(3)


def test_get():
    assert type(metrics.get("acc")) is Accuracy and metrics.get("acc").name == "acc"  # named as given
    for name, cls in [
        ("auc", AUC),
        ("AUC", AUC),
        ("Precision", Precision),
        ("top_k_categorical_accuracy", TopKCategoricalAccuracy),
        ("CategoricalAccuracy", CategoricalAccuracy),
        ("mse", MeanSquaredError),
        ("binary_accuracy", BinaryAccuracy),
        ("sparse_categorical_accuracy", SparseCategoricalAccuracy),
        ("recall", Recall),
        ("mean_absolute_error", MeanAbsoluteError),
    ]:
        metric = metrics.get(name)
        assert type(metric) is cls and metric.name == name
    assert metrics.get("precision") is not metrics.get("precision")  # a fresh state each time
    instance = Recall(name="r")
    assert metrics.get(instance) is instance and type(metrics.get(Recall)) is Recall
    assert type(metrics.get(metrics.accuracy)) is Accuracy and metrics.get(metrics.mse).name == "mse"
    assert TopKCategoricalAccuracy().get_config() == {"name": "top_k_categorical_accuracy", "k": 5}
    assert repr(Precision()) == "Precision(thresholds=0.5, name='precision')"


def test_unknown_metric_and_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"Unknown metric: expected one of .* Received: 'f1'"):
        metrics.get("f1")
    with pytest.raises(ValueError, match=r"Unknown metric: .* Received: 3"):
        metrics.get(3)
    model = Sequential([Dense(4, 3)])
    with pytest.raises(TypeError, match="metrics must be a list of names or callables. Received: 'accuracy'"):
        model.compile(metrics="accuracy")
    with pytest.raises(ValueError, match="TopKCategoricalAccuracy: k must be an integer >= 1. Received: k=0"):
        TopKCategoricalAccuracy(k=0)
    with pytest.raises(ValueError, match=r"Precision: thresholds must be in \(-inf, inf\). Received: thresholds=nan"):
        Precision(thresholds=float("nan"))
    with pytest.raises(TypeError, match="name must be a non-empty string. Received: name=''"):
        AUC(name="")
    with pytest.raises(ValueError, match=r"precision: y_true and y_pred must have the same shape"):
        Precision()(np.zeros((2, 1)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"auc: sample_weight must have shape \(2,\), one weight per sample"):
        AUC()(np.zeros((2, 1)), np.zeros((2, 1)), sample_weight=np.ones(3))
    with pytest.raises(ValueError, match=r"sparse_categorical_accuracy: y_true must be class labels of shape \(2,\)"):
        SparseCategoricalAccuracy()(np.zeros(3), np.zeros((2, 4)))


# ---------------------------------------------------------------- in a model
def test_accuracy_is_the_same_from_labels_or_one_hot():
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(50, 4)), rng.integers(0, 3, 50)
    model = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    model.compile(metrics=["accuracy"])
    from_labels = model.evaluate(X, labels, verbose=0, return_dict=True)
    from_one_hot = model.evaluate(X, np.eye(3)[labels], verbose=0, return_dict=True)
    assert from_labels == from_one_hot
    expected = np.mean(model.predict(X).argmax(1) == labels)
    assert from_labels["accuracy"] == pytest.approx(expected)


def test_epoch_values_are_exact_over_the_epoch_not_means_of_batches():
    """Frozen layers: every batch sees the same model, so the epoch value is the metric of predict(X)."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 2, 30)
    model = Sequential([Dense(4, 1), Sigmoid()], dtype="float64", seed=0)
    for layer in model.layers:
        layer.trainable = False
    model.compile(loss="binary_crossentropy", metrics=["precision", "recall", "auc", "accuracy"])
    history = model.fit(X, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    y_hat, targets = model.predict(X), y.reshape(-1, 1)
    for name, metric in [("precision", Precision()), ("recall", Recall()), ("auc", AUC()), ("accuracy", Accuracy())]:
        assert history.history[name][0] == pytest.approx(metric(targets, y_hat), rel=1e-12)
    per_batch = np.mean([Precision()(targets[i : i + 4], y_hat[i : i + 4]) for i in range(0, 30, 4)])
    assert per_batch != pytest.approx(history.history["precision"][0])  # what a mean of batches would have said


def test_a_callable_metric_is_logged_under_its_name():
    def top_value(y_true, y_pred):
        return float(y_pred.max())

    rng = np.random.default_rng(0)
    model = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    model.compile(metrics=[top_value, "mae", AUC()])
    history = model.fit(
        rng.normal(size=(10, 4)), rng.integers(0, 3, 10), epochs=2, verbose=0, validation_split=0.2, batch_size=None
    )
    assert {"top_value", "mae", "auc", "val_top_value", "val_mae", "val_auc"} <= set(history.history)
    assert 0 < history.history["top_value"][0] < 1


def test_saving_keeps_the_built_in_metrics_only(tmp_path):
    def f1(y_true, y_pred):
        return 0.0

    class MyRecall(Recall):  # a class of one's own: a file names no code
        pass

    model = Sequential([Dense(4, 2)], seed=0)
    model.compile(
        metrics=["AUC", "precision", Recall(thresholds=0.7), f1, TopKCategoricalAccuracy(k=5), MyRecall(name="r")]
    )
    with pytest.warns(UserWarning) as caught:
        specs = metric_specs(model.metrics)
    recall = {"class_name": "Recall", "config": {"thresholds": 0.7, "name": "recall"}}  # other settings: a spec
    assert specs == ["AUC", "precision", recall, "top_k_categorical_accuracy"]
    messages = [str(w.message) for w in caught]
    assert any("save: metric 'f1' is a custom function or metric, which a file cannot hold" in m for m in messages)
    assert any("metric 'r' is a custom function or metric" in m for m in messages) and len(messages) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert list(loaded.metrics) == ["AUC", "precision", "recall", "top_k_categorical_accuracy"]
    assert all(isinstance(metric, Metric) for metric in loaded.metrics.values())
    assert loaded.metrics["recall"].thresholds == 0.7
