"""The scikit-learn estimators: the estimator checks, Pipelines, cross-validation and searches."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from tinyframe.sklearn import TinyFrameClassifier, TinyFrameRegressor, expected_failed_checks

# Most fits here are a few epochs on purpose (Pipelines, searches, pickling, not accuracy), and so
# end with a ConvergenceWarning; tests/test_sklearn_convergence.py is where that warning is tested.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# float32 outputs of one row (BLAS gemv) and of 20 rows (gemm), or of permuted rows, differ by ~1 ulp of float32
# (about 1.2e-7 relative): the CPU's OpenBLAS kernel decides. predict/predict_proba return float64, so these two
# checks apply rtol=1e-7, below float32's resolution. They are run in float64 (margin ~1e8) and, for float32,
# at a float32 tolerance in test_float32_predictions_do_not_depend_on_the_batch below.
BATCH_DEPENDENT_IN_FLOAT32 = {
    "check_methods_subset_invariance": "float32 BLAS rounding depends on the number of rows",
    "check_methods_sample_order_invariance": "float32 BLAS rounding depends on the position of a row",
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls", [TinyFrameClassifier, TinyFrameRegressor], ids=lambda c: c.__name__)
def test_check_estimator(cls, dtype):
    estimator = cls(dtype=dtype)
    expected = dict(expected_failed_checks(estimator))
    if dtype == "float32":
        expected.update(BATCH_DEPENDENT_IN_FLOAT32)
    check_estimator(estimator, expected_failed_checks=expected)


@pytest.mark.parametrize("cls", [TinyFrameClassifier, TinyFrameRegressor], ids=lambda c: c.__name__)
def test_float32_predictions_do_not_depend_on_the_batch(cls):
    rng = np.random.RandomState(0)
    X = 3 * rng.uniform(size=(20, 3))
    est = cls(epochs=5, random_state=0, dtype="float32").fit(X, X[:, 0].astype(int))
    method = est.predict_proba if cls is TinyFrameClassifier else est.predict
    full = method(X)
    by_row = np.concatenate([method(row[None, :]) for row in X])
    idx = rng.permutation(len(X))
    # k = 100 hidden units: a dot product of 100 float32 terms, then the output layer; a few ulps per row
    rtol = 100 * np.finfo(np.float32).eps
    atol = rtol * np.abs(full).max()
    np.testing.assert_allclose(by_row.reshape(full.shape), full, rtol=rtol, atol=atol)
    np.testing.assert_allclose(method(X[idx]), full[idx], rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


def small(**kwargs):
    return TinyFrameClassifier(
        **{"hidden_layer_sizes": (32,), "epochs": 15, "learning_rate": 1e-2, "random_state": 0, **kwargs}
    )


def test_pipeline_and_cross_validation(digits):
    X, y = digits
    scores = cross_val_score(make_pipeline(StandardScaler(), small()), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8  # MLPClassifier() scores 0.845 to 0.9 on these folds


def grid_search(X, y, n_jobs):
    grid = {
        "tinyframeclassifier__hidden_layer_sizes": [(16,), (32,)],
        "tinyframeclassifier__learning_rate": [1e-3, 1e-2],
    }
    search = GridSearchCV(make_pipeline(StandardScaler(), small(epochs=5)), grid, cv=3, n_jobs=n_jobs)
    return search.fit(X, y)


def assert_same_search(one, other):
    """The same scores up to one flipped test sample per fold, and the same winner unless that near a tie.

    Workers run BLAS on one thread where this process runs it on two, which changes the last bits of
    every product (float64 keeps them near 1e-16); a prediction at a near-tie could flip.
    """
    per_sample = 1 / 200  # 600 digits in 3 folds
    scores = [s.cv_results_["mean_test_score"] for s in (one, other)]
    np.testing.assert_allclose(scores[0], scores[1], rtol=0, atol=per_sample)
    ranked = np.sort(scores[0])
    if len(ranked) < 2 or ranked[-1] - ranked[-2] > 2 * per_sample:
        assert one.best_params_ == other.best_params_


def test_grid_search_in_parallel_equals_sequential(digits):
    X, y = digits
    one, two = grid_search(X, y, 1), grid_search(X, y, 2)
    assert_same_search(one, two)
    assert one.best_score_ > 0.8


def test_grid_search_on_a_dask_cluster_equals_sequential(digits):
    distributed = pytest.importorskip("distributed")
    import joblib

    X, y = digits
    one = grid_search(X, y, 1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster), joblib.parallel_backend("dask"):
            on_dask = grid_search(X, y, -1)
    assert_same_search(one, on_dask)


def test_string_labels_probabilities_and_pickling(digits):
    X, y = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y]
    clf = small().fit(X / 16, names)
    assert list(clf.classes_) == sorted(set(names))
    proba = clf.predict_proba(X[:5] / 16)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X[:5] / 16), clf.classes_[proba.argmax(axis=1)])
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X / 16), clf.predict_proba(X / 16))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_input(dtype, digits):
    X, y = digits
    clf = small(epochs=3).fit((X / 16).astype(dtype), y)
    assert clf.predict((X[:3] / 16).astype(dtype)).shape == (3,)


def test_not_fitted_error():
    with pytest.raises(NotFittedError):
        TinyFrameClassifier().predict(np.zeros((1, 2)))
    with pytest.raises(NotFittedError):
        TinyFrameRegressor().predict(np.zeros((1, 2)))


def test_partial_fit_and_warm_start_continue_training(digits):
    X, y = digits
    X = X / 16
    clf = small()
    with pytest.raises(ValueError, match=r"first call needs classes=\[...\]. Received: None"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:100], y[:100], classes=np.arange(10))
    first = clf.model_.get_weights()
    clf.partial_fit(X[100:], y[100:])
    assert clf.n_iter_ == 1 and not np.array_equal(first[0], clf.model_.get_weights()[0])

    with pytest.raises(ValueError, match=r"y has labels outside classes=\[.*\]. Received: \[10\]"):
        clf.partial_fit(X[:2], [3, 10])

    warm = small(epochs=2, warm_start=True).fit(X, y)
    model = warm.model_
    warm.fit(X, y)
    assert warm.model_ is model  # continued, not rebuilt
    cold = small(epochs=2).fit(X, y)
    model = cold.model_
    assert cold.fit(X, y).model_ is not model


def test_regressor_with_two_targets_and_early_stopping():
    X, y = make_regression(n_samples=200, n_features=5, n_targets=2, noise=0.1, random_state=0)
    y = y / y.std(axis=0)
    reg = TinyFrameRegressor(
        hidden_layer_sizes=(32,), epochs=200, learning_rate=1e-2, early_stopping=True, patience=5, random_state=0
    ).fit(X, y)
    assert reg.predict(X).shape == (200, 2)
    assert reg.score(X, y) > 0.95
    assert "val_loss" in reg.history_ and reg.n_iter_ < 200


def test_bad_parameters_are_reported_at_fit():
    X, y = np.random.default_rng(0).normal(size=(10, 3)), np.arange(10) % 2
    with pytest.raises(ValueError, match=r"activation must be one of .* Received: activation='swish'"):
        TinyFrameClassifier(activation="swish").fit(X, y)
    with pytest.raises(ValueError, match="in_features must be an integer >= 1|out_features must be an integer >= 1"):
        TinyFrameClassifier(hidden_layer_sizes=(0,)).fit(X, y)
    with pytest.raises(ValueError, match=r"at least 2 classes .* Received: only one class"):
        TinyFrameClassifier().fit(X, np.zeros(10))


@pytest.mark.parametrize("Estimator", [TinyFrameClassifier, TinyFrameRegressor], ids=lambda e: e.__name__)
def test_estimators_compute_in_float64_by_default(Estimator):
    # As scikit-learn's MLP: its checks compare predictions of subsets and of the whole, which float32's
    # rounding (BLAS kernels differ by CPU) can break; float64 keeps those differences near 1e-16.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)).astype(np.float32), rng.integers(0, 2, 30)
    estimator = Estimator(hidden_layer_sizes=(8,), epochs=2, random_state=0).fit(X, y)
    assert estimator.get_params()["dtype"] == "float64" and estimator.model_.dtype == np.float64
    full = estimator.predict(X)
    parts = np.concatenate([estimator.predict(X[i : i + 7]) for i in range(0, 30, 7)])
    if Estimator is TinyFrameRegressor:
        assert np.allclose(full, parts, rtol=1e-12, atol=1e-12)
    else:
        assert (full == parts).all()


@pytest.mark.parametrize(("batch_size", "steps"), [(None, 1), (64, 3), (150, 1)])
def test_the_batch_size_reaches_fit_explicitly(batch_size, steps):
    # None means every sample in one step here, whatever Sequential.fit's own default is
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(150, 3)), rng.integers(0, 2, 150)
    clf = TinyFrameClassifier(hidden_layer_sizes=(4,), epochs=2, batch_size=batch_size, random_state=0).fit(X, y)
    assert clf.model_.history.params["steps"] == steps


def test_a_first_warm_start_fit_records_the_features_and_partial_fit_holds_nothing_out():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    reg = TinyFrameRegressor(hidden_layer_sizes=(4,), epochs=2, warm_start=True, random_state=0).fit(X, y)
    assert reg.n_features_in_ == 3
    with pytest.raises(ValueError, match="X has 2 features, but TinyFrameRegressor is expecting 3 features"):
        reg.predict(X[:, :2])
    part = TinyFrameRegressor(hidden_layer_sizes=(4,), early_stopping=True, random_state=0).partial_fit(X, y)
    assert "val_loss" not in part.history_  # one epoch on all of (X, y), as scikit-learn's MLP does


def test_without_scikit_learn_the_import_names_the_extra():
    """Issue 27: as plot, TensorBoard and ONNX do."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "try:\n    import tinyframe.sklearn\nexcept ModuleNotFoundError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'tinyframe[sklearn]'" in out
