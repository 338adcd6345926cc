"""Keras 3's other metrics: by hand, against Keras itself (skipped without it), in a model, and saved with it."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from tinyframe import Input, Model, Sequential, load_model, metrics
from tinyframe.activations import Sigmoid, Softmax
from tinyframe.layers import Dense
from tinyframe.metrics import (
    AUC,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    FalseNegatives,
    FalsePositives,
    LogCoshError,
    Mean,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    Recall,
    RootMeanSquaredError,
    SparseCategoricalAccuracy,
    SparseCategoricalCrossentropy,
    Sum,
    TrueNegatives,
    TruePositives,
)


# ---------------------------------------------------------------- by hand
def test_golden_values_by_hand():
    y, p = np.array([[1.0, 4.0], [2.0, 0.0]]), np.array([[3.0, 4.0], [1.0, 1.0]])  # errors 2, 0, -1, 1
    assert RootMeanSquaredError()(y, p) == pytest.approx(math.sqrt(6 / 4))
    # |error| / max(|y|, 1e-7): 2/1, 0, 1/2, 1/1e-7
    assert MeanAbsolutePercentageError()(y, p) == pytest.approx(100 * (2 + 0 + 0.5 + 1e7) / 4)
    logs = lambda a: np.log1p(np.maximum(a, 1e-7))  # noqa: E731
    assert MeanSquaredLogarithmicError()(y, p) == pytest.approx(np.mean((logs(p) - logs(y)) ** 2))
    assert LogCoshError()(y, p) == pytest.approx((2 * math.log(math.cosh(1)) + math.log(math.cosh(2))) / 4)
    assert LogCoshError()(np.zeros((1, 1)), np.array([[-1e4]])) == pytest.approx(1e4 - math.log(2))  # no overflow
    # cross-entropies: -log of the probability given to the truth
    assert BinaryCrossentropy()(np.array([[1.0, 0.0]]), np.array([[0.8, 0.4]])) == pytest.approx(
        -(math.log(0.8) + math.log(0.6)) / 2
    )
    probs = np.array([[0.2, 0.8], [0.6, 0.4]])
    expected = -(math.log(0.8) + math.log(0.6)) / 2
    assert CategoricalCrossentropy()(np.eye(2)[[1, 0]], probs) == pytest.approx(expected)
    assert SparseCategoricalCrossentropy()(np.array([1, 0]), probs) == pytest.approx(expected)
    assert SparseCategoricalCrossentropy()(np.eye(2)[[1, 0]], probs) == pytest.approx(expected)  # as a model passes
    logits = np.log(probs)  # softmax(log p) = p
    assert CategoricalCrossentropy(from_logits=True)(np.eye(2)[[1, 0]], logits) == pytest.approx(expected)


def test_confusion_counts_by_hand():
    y = np.array([[1, 0], [1, 1], [0, 0]])
    p = np.array([[0.9, 0.6], [0.5, 0.2], [0.1, 0.7]])
    # > 0.5: TP (0.9), FP (0.6), FN (0.5: not > 0.5), FN (0.2), TN (0.1), FP (0.7)
    counts = [metric(y, p) for metric in (TruePositives(), FalsePositives(), TrueNegatives(), FalseNegatives())]
    assert counts == [1.0, 2.0, 1.0, 2.0]
    w = np.array([2.0, 1.0, 0.5])  # each sample's outputs count w times
    weighted = [
        m(y, p, sample_weight=w) for m in (TruePositives(), FalsePositives(), TrueNegatives(), FalseNegatives())
    ]
    assert weighted == [2.0, 2.5, 0.5, 2.0]
    assert TruePositives(thresholds=0.4)(y, p) == 2.0 and TruePositives(None).thresholds == 0.5


def test_state_accumulates_over_batches():
    rmse, mean, total = RootMeanSquaredError(), Mean(), Sum()
    rmse.update_state(np.zeros((2, 1)), np.array([[3.0], [0.0]]))
    rmse.update_state(np.zeros((1, 1)), np.array([[4.0]]), sample_weight=[2.0])
    assert rmse.result() == pytest.approx(math.sqrt((9 + 0 + 2 * 16) / 4))  # the root of the epoch's mean
    mean.update_state(3.0)  # a number is one sample
    mean.update_state(np.array([[1.0, 3.0], [5.0, 7.0]]), sample_weight=[1.0, 0.0])  # each sample averaged first
    assert mean.result() == pytest.approx((3 + 2) / 2)
    total.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[1.0, 0.5])
    total.update_state(2.0, sample_weight=3.0)
    assert total.result() == pytest.approx(3 + 3.5 + 6)
    assert Mean()(np.array([1.0, 2.0])) == 1.5 and mean.result() == pytest.approx(2.5)  # one-shot: state untouched
    for metric in (rmse, mean, total):
        metric.reset_state()
        assert metric.result() == 0.0


def test_names_configs_and_refusals():
    for name, cls in [
        ("root_mean_squared_error", RootMeanSquaredError),
        ("RootMeanSquaredError", RootMeanSquaredError),
        ("mape", MeanAbsolutePercentageError),
        ("MSLE", MeanSquaredLogarithmicError),
        ("log_cosh_error", LogCoshError),
        ("true_positives", TruePositives),
        ("false_negatives", FalseNegatives),
        ("bce", BinaryCrossentropy),
        ("categorical_crossentropy", CategoricalCrossentropy),
        ("sparse_categorical_crossentropy", SparseCategoricalCrossentropy),
    ]:
        metric = metrics.get(name)
        assert type(metric) is cls and metric.name == name
    assert LogCoshError().name == "logcosh"  # Keras's default name for this one
    assert BinaryCrossentropy(from_logits=True).get_config() == {
        "name": "binary_crossentropy",
        "from_logits": True,
        "label_smoothing": 0.0,
    }
    with pytest.raises(ValueError, match=r"Unknown metric: .* Received: 'rmse'"):  # not a Keras 3 name either
        metrics.get("rmse")
    for tracker in (Mean(), Sum, Mean(name="loss")):
        with pytest.raises(ValueError, match=r"tracks values given to update_state\(values\)"):
            metrics.get(tracker)
    model = Sequential([Input((2,)), Dense(1)], seed=0)
    with pytest.raises(ValueError, match="a model cannot update it"):
        model.compile(metrics=[Mean()])
    assert model.metrics == {}
    with pytest.raises(ValueError, match=r"BinaryCrossentropy: label_smoothing must be in \[0.0, 1.0\]"):
        BinaryCrossentropy(label_smoothing=2.0)
    with pytest.raises(ValueError, match=r"TruePositives: thresholds must be in \(-inf, inf\)"):
        TruePositives(thresholds=float("nan"))
    with pytest.raises(
        ValueError, match=r"metric 'binary_crossentropy': .* expects probabilities in \[0, 1\].*from_logits"
    ):
        BinaryCrossentropy()(np.zeros((1, 1)), np.array([[3.0]]))
    with pytest.raises(ValueError, match=r"sum: sample_weight must have shape \(2,\)"):
        Sum().update_state([1.0, 2.0], sample_weight=[1.0])


# ---------------------------------------------------------------- against Keras
def _data(kind, rng):
    """(y_true, y_pred) of one batch: regression values, binary answers, one-hot classes, or logits."""
    if kind == "regression":
        return rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    if kind == "positive":
        return rng.uniform(0, 3, (6, 3)), rng.uniform(-0.5, 3, (6, 3))  # some predictions below MSLE's floor
    if kind == "binary":
        return rng.integers(0, 2, (6, 3)).astype(float), rng.uniform(0.01, 0.99, (6, 3))
    if kind == "categorical":
        p = rng.uniform(0.05, 1, (6, 2, 4))
        return np.eye(4)[rng.integers(0, 4, (6, 2))], p / p.sum(-1, keepdims=True)
    return np.eye(4)[rng.integers(0, 4, 6)], rng.normal(size=(6, 4))  # logits


ORACLE = [  # (ours, Keras's class name, arguments for both, data kind)
    (RootMeanSquaredError, "RootMeanSquaredError", {}, "regression"),
    (MeanAbsolutePercentageError, "MeanAbsolutePercentageError", {}, "regression"),
    (MeanSquaredLogarithmicError, "MeanSquaredLogarithmicError", {}, "positive"),
    (LogCoshError, "LogCoshError", {}, "regression"),
    (TruePositives, "TruePositives", {}, "binary"),
    (FalsePositives, "FalsePositives", {"thresholds": 0.3}, "binary"),
    (TrueNegatives, "TrueNegatives", {"thresholds": 0.7}, "binary"),
    (FalseNegatives, "FalseNegatives", {}, "binary"),
    (BinaryCrossentropy, "BinaryCrossentropy", {}, "binary"),
    (BinaryCrossentropy, "BinaryCrossentropy", {"label_smoothing": 0.2}, "binary"),
    (BinaryCrossentropy, "BinaryCrossentropy", {"from_logits": True}, "regression"),
    (CategoricalCrossentropy, "CategoricalCrossentropy", {}, "categorical"),
    (CategoricalCrossentropy, "CategoricalCrossentropy", {"label_smoothing": 0.1}, "categorical"),
    (CategoricalCrossentropy, "CategoricalCrossentropy", {"from_logits": True}, "logits"),
    (SparseCategoricalCrossentropy, "SparseCategoricalCrossentropy", {}, "categorical"),
    (SparseCategoricalCrossentropy, "SparseCategoricalCrossentropy", {"from_logits": True}, "logits"),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs", "kind"),
    ORACLE,
    ids=[theirs + "".join(f"-{k}={v}" for k, v in kwargs.items()) for _, theirs, kwargs, _ in ORACLE],
)
def test_the_metrics_match_keras_over_weighted_batches(keras, ours, theirs, kwargs, kind):
    rng = np.random.default_rng(0)
    mine, keras_metric = ours(**kwargs), getattr(keras.metrics, theirs)(**kwargs)
    assert mine.name == keras_metric.name
    for batch in range(3):
        y_true, y_pred = _data(kind, rng)
        w = None if batch == 0 else rng.uniform(0, 2, len(y_pred))
        if ours is SparseCategoricalCrossentropy:  # Keras takes the labels; ours both forms
            y_true = y_true.argmax(-1) if batch < 2 else y_true
            keras_true = y_true if batch < 2 else y_true.argmax(-1)
        else:
            keras_true = y_true
        mine.update_state(y_true, y_pred, sample_weight=w)
        keras_metric.update_state(keras_true.astype("float32"), y_pred.astype("float32"), sample_weight=w)
    expected = float(keras_metric.result())
    assert mine.result() == pytest.approx(expected, rel=2e-5)  # Keras runs in float32


def test_mean_and_sum_match_keras(keras):
    updates = [(2.0, None), ([1.0, 3.0, 5.0, 7.0], [1.0, 1.0, 0.0, 0.5]), ([[1.0, 2.0], [4.0, 6.0]], None)]
    for ours, theirs in ((Mean(), keras.metrics.Mean()), (Sum(), keras.metrics.Sum())):
        for values, w in updates:
            ours.update_state(values, sample_weight=w)
            theirs.update_state(values, sample_weight=w)
        assert ours.name == theirs.name
        assert ours.result() == pytest.approx(float(theirs.result()), rel=1e-6)


def test_the_names_are_keras_names(keras):
    """Every name tinyframe's get knows for these metrics, Keras's get knows, for the same class."""
    names = [
        "root_mean_squared_error", "mape", "mean_absolute_percentage_error", "msle",
        "mean_squared_logarithmic_error", "log_cosh_error", "true_positives", "false_positives",
        "true_negatives", "false_negatives", "binary_crossentropy", "bce", "categorical_crossentropy",
        "sparse_categorical_crossentropy", "RootMeanSquaredError", "LogCoshError", "TruePositives", "MAPE",
    ]  # fmt: skip
    for name in names:
        assert type(metrics.get(name)).__name__ == type(keras.metrics.get(name)).__name__, name
    with pytest.raises(ValueError):
        keras.metrics.get("rmse")


# ---------------------------------------------------------------- in a model, and saved with it
def test_epoch_values_are_exact_in_fit_and_evaluate():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 2, 30)
    model = Sequential([Input((4,)), Dense(1), Sigmoid()], dtype="float64", seed=0)
    for layer in model.layers:
        layer.trainable = False  # every batch sees the same model: the epoch value is the metric of predict(X)
    names = ["root_mean_squared_error", "mape", "msle", "log_cosh_error", "true_positives", "false_negatives", "bce"]
    model.compile(loss="binary_crossentropy", metrics=names)
    history = model.fit(X, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    y_hat, targets = model.predict(X), y.reshape(-1, 1).astype(float)
    for name in names:
        assert history.history[name][0] == pytest.approx(metrics.get(name)(targets, y_hat), rel=1e-12), name
    assert history.history["bce"][0] == pytest.approx(history.history["loss"][0], rel=1e-12)  # the loss's mean
    w = rng.uniform(0, 2, 30)
    logs = model.evaluate(X, y, sample_weight=w, batch_size=7, verbose=0, return_dict=True)
    for name in names:
        assert logs[name] == pytest.approx(metrics.get(name)(targets, y_hat, sample_weight=w), rel=1e-12), name


def _evaluate(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing left out with a warning
        return model.evaluate(X, y, verbose=0, return_dict=True)


def test_built_in_metric_objects_are_saved_and_loaded(tmp_path):
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    model = Sequential([Input((4,)), Dense(3), Softmax()], seed=0)
    chosen = [
        SparseCategoricalAccuracy(name="acc"),
        AUC(name="auc"),
        Recall(thresholds=0.3),
        "mse",
        CategoricalCrossentropy(label_smoothing=0.1, name="smoothed"),
        FalsePositives,
    ]
    model.compile(loss="sparse_categorical_crossentropy", metrics=chosen)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.save(tmp_path / "m.npz")
    saved = json.loads(str(np.load(tmp_path / "m.npz")["config"]))["compile"]["metrics"]
    assert saved[:2] == [
        {"class_name": "SparseCategoricalAccuracy", "config": {"name": "acc"}},
        "auc",  # get("auc") re-creates it: a name, as before
    ]
    assert "mse" in saved and "false_positives" in saved
    loaded = load_model(tmp_path / "m.npz")
    assert {name: repr(m) for name, m in loaded.metrics.items()} == {name: repr(m) for name, m in model.metrics.items()}
    assert _evaluate(loaded, X, labels) == _evaluate(model, X, labels)


def test_the_metrics_of_several_outputs_are_saved_and_loaded(tmp_path):
    a = Input((3,), name="a")
    model = Model(a, [Dense(1, name="score")(a), Dense(3, activation="softmax", name="kind")(a)], seed=0)
    model.compile(
        loss={"score": "mse", "kind": "sparse_categorical_crossentropy"},
        metrics={"score": ["mae", RootMeanSquaredError(name="rmse")], "kind": [SparseCategoricalAccuracy(name="acc")]},
    )
    model.save(tmp_path / "two.npz")
    loaded = load_model(tmp_path / "two.npz")
    assert list(loaded.metrics) == ["score_mae", "score_rmse", "kind_acc"]
    rng = np.random.default_rng(0)
    X, score, kind = rng.normal(size=(12, 3)), rng.normal(size=(12, 1)), rng.integers(0, 3, 12)
    assert _evaluate(loaded, X, [score, kind]) == _evaluate(model, X, [score, kind])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"class_name": "MeanMetricWrapper", "config": {"fn": "print"}}, "Unknown metric"),
        ({"class_name": "Mean", "config": {}}, "Unknown metric"),
        ({"class_name": "os.system", "config": {}}, "Unknown metric"),
        ({"class_name": "Recall", "config": {"thresholds": "x"}}, "Recall cannot be created from the config"),
        ({"class_name": "AUC"}, "Unknown metric"),
        ({"class_name": ["AUC"], "config": {}}, "Unknown metric"),
        (["acc"], "compile.metrics must be a list of names or"),
    ],
)
def test_a_file_names_built_in_metric_classes_only(tmp_path, entry, message):
    model = Sequential([Input((2,)), Dense(1)], seed=0)
    model.compile(metrics=["mae"])
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as npz:
        arrays = dict(npz)
    config = json.loads(str(arrays["config"]))
    config["compile"]["metrics"] = ["mae", entry]
    arrays["config"] = np.array(json.dumps(config))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=message):
        load_model(tmp_path / "bad.npz")
