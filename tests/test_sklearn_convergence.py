"""The estimators stop once the loss has settled (tol, patience), and warn when the epochs ran out first."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from tinyframe.sklearn import TinyFrameClassifier, TinyFrameRegressor

ESTIMATORS = [TinyFrameClassifier, TinyFrameRegressor]


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_too_few_epochs_warn(Estimator, iris):
    X, y = iris
    estimator = Estimator(epochs=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"the 3 epochs \(epochs=3\) ran out before training converged"):
        estimator.fit(X, y)
    assert estimator.n_iter_ == 3


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_a_converged_fit_does_not_warn(Estimator, iris):
    X, y = iris
    estimator = Estimator(epochs=2000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimator.fit(X, y)
    assert estimator.n_iter_ < 2000  # the stopping rule, not the epochs, ended it


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_early_stopping_ends_the_fit_without_a_warning(Estimator, iris):
    X, y = iris
    estimator = Estimator(epochs=2000, early_stopping=True, patience=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimator.fit(X, y)
    assert estimator.n_iter_ < 2000 and "val_loss" in estimator.history_


def test_early_stopping_cut_short_by_the_epochs_warns_about_the_validation_loss(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match=r"val_loss still improved by more than tol=0.001 within"):
        TinyFrameClassifier(epochs=4, early_stopping=True, tol=1e-3, random_state=0).fit(X, y)


def epochs_until_stop(losses: list[float], tol: float, patience: int) -> int | None:
    """The rule as MLP's docs and Keras's EarlyStopping(min_delta=tol) state it, written out on a loss history."""
    best, wait = np.inf, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss < best - tol:
            best, wait = loss, 0
        else:
            wait += 1
            if wait == patience:
                return epoch
    return None


def test_the_rule_counts_epochs_without_an_improvement_larger_than_tol(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # tol larger than any loss: only the first epoch improves (on +inf), then `patience` epochs do not
        clf = TinyFrameClassifier(epochs=100, tol=1e9, patience=4, random_state=0).fit(X, y)
        assert clf.n_iter_ == 1 + 4
        clf = TinyFrameClassifier(epochs=500, tol=1e-3, patience=3, random_state=0).fit(X, y)
    assert clf.n_iter_ == epochs_until_stop(clf.history_["loss"], tol=1e-3, patience=3)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_partial_fit_does_not_warn(Estimator, iris):
    X, y = iris
    estimator = Estimator(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if Estimator is TinyFrameClassifier:
            estimator.partial_fit(X, y, classes=[0, 1, 2])
        else:
            estimator.partial_fit(X, y)
        estimator.partial_fit(X, y)
    assert estimator.n_iter_ == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"tol": -1.0}, ValueError, r"tol must be in \[0.0, inf\]. Received: tol=-1.0"),
        ({"tol": "small"}, TypeError, r"tol must be a real number. Received: tol='small'"),
        ({"patience": 0}, ValueError, r"patience must be an integer >= 1. Received: patience=0"),
    ],
)
def test_bad_stopping_parameters_are_refused_before_anything_changes(kwargs, error, message, iris):
    X, y = iris
    clf = TinyFrameClassifier(random_state=0, **kwargs)
    with pytest.raises(error, match=f"TinyFrameClassifier: {message}"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")
