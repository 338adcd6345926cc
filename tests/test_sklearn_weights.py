"""sample_weight in the scikit-learn estimators: Keras's rule, checked against fitting a subset."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from tinyframe.sklearn import TinyFrameClassifier, TinyFrameRegressor


def weights_that_drop(n, seed=0):
    """Weight 0 on a random third of the samples, n / k on the k others: the weighted loss averaged over the
    whole batch (Keras's rule) is then exactly the mean loss over the k kept samples."""
    keep = np.random.default_rng(seed).random(n) > 1 / 3
    return keep, np.where(keep, n / keep.sum(), 0.0)


@pytest.mark.parametrize(
    ("cls", "load"),
    [(TinyFrameRegressor, load_diabetes), (TinyFrameClassifier, load_iris)],
)
def test_zero_weights_train_as_if_those_samples_were_not_there(cls, load):
    X, y = load(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    keep, w = weights_that_drop(len(X))
    settings = dict(optimizer="sgd", learning_rate=0.05, batch_size=None, epochs=40, random_state=0, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 40 full-batch epochs do not converge; not the point
        weighted = cls(**settings).fit(X, y, sample_weight=w)
        subset = cls(**settings).fit(X[keep], y[keep])
        plain = cls(**settings).fit(X, y)
    # float64 throughout; the weighted and the plain sums add the same terms in another order, so the
    # results agree to rounding amplified over 40 steps, far below the difference the weights make
    a, b, c = (m.model_.predict(X) for m in (weighted, subset, plain))
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert np.abs(a - c).max() > 1e-3
    if cls is TinyFrameRegressor:
        np.testing.assert_allclose(weighted.target_mean_, subset.target_mean_, rtol=1e-12)
        np.testing.assert_allclose(weighted.target_scale_, subset.target_scale_, rtol=1e-12)


def test_bad_sample_weights_are_refused_before_training():
    X, y = load_iris(return_X_y=True)
    model = TinyFrameClassifier(epochs=2)
    with pytest.raises(ValueError, match="sample_weight"):
        model.fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="[Nn]egative"):
        model.fit(X, y, sample_weight=-np.ones(len(X)))
    assert not hasattr(model, "model_")
