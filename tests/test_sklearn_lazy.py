"""The scikit-learn estimators on Dask data (issue 29): fit streams it, predict and predict_proba return Dask arrays.

On Dask's synchronous scheduler; skipped without the ``dask`` extra or scikit-learn.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
pytest.importorskip("sklearn")

from tinyframe.sklearn import TinyFrameClassifier, TinyFrameRegressor  # noqa: E402

RNG = np.random.default_rng(3)
X = RNG.normal(size=(200, 4))
LABELS = np.where(X[:, 0] + X[:, 1] > 0, "up", "down")
TARGETS = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 10.0


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: a few epochs only
        yield


def lazy(a):
    return da.from_array(a, chunks=(50, *a.shape[1:]))


def same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.model_.get_weights(), b.model_.get_weights()))


def test_the_classifier_fits_dask_data_as_arrays_and_predicts_lazily():
    settings = dict(epochs=3, batch_size=25, shuffle=False, random_state=0)
    in_memory = TinyFrameClassifier(**settings).fit(X, LABELS)
    streamed = TinyFrameClassifier(**settings).fit(lazy(X), lazy(LABELS))
    assert list(streamed.classes_) == ["down", "up"] and streamed.n_features_in_ == 4
    assert same_weights(in_memory, streamed)  # blocks of 50 = two batches of 25: the same steps
    labels, probabilities = streamed.predict(lazy(X)), streamed.predict_proba(lazy(X))
    assert isinstance(labels, da.Array) and isinstance(probabilities, da.Array)
    np.testing.assert_array_equal(labels.compute(), in_memory.predict(X))
    assert probabilities.shape == (200, 2) and probabilities.dtype == np.float64
    np.testing.assert_allclose(probabilities.compute(), in_memory.predict_proba(X), rtol=0,
                               atol=16 * np.finfo(np.float64).eps)  # fmt: skip


def test_the_regressor_fits_dask_data_and_predicts_on_the_scale_of_y():
    settings = dict(epochs=3, batch_size=25, shuffle=False, random_state=0)
    in_memory = TinyFrameRegressor(**settings).fit(X, TARGETS)
    streamed = TinyFrameRegressor(**settings).fit(lazy(X), lazy(TARGETS))
    eps = np.finfo(np.float64).eps
    # Mean and std of 200 targets summed in another order (Dask's blocks): a few hundred eps of |y|.
    np.testing.assert_allclose(streamed.target_mean_, in_memory.target_mean_, rtol=200 * eps)
    np.testing.assert_allclose(streamed.target_scale_, in_memory.target_scale_, rtol=200 * eps)
    predicted = streamed.predict(lazy(X))
    assert isinstance(predicted, da.Array) and predicted.shape == (200,)
    # Blocks of 50 rows through BLAS instead of 200: the output unit's sum of 100 products, a few eps each.
    atol = 4 * 100 * eps * np.abs(TARGETS).max()
    np.testing.assert_allclose(predicted.compute(), in_memory.predict(X), rtol=0, atol=atol)


def test_dask_input_is_checked_as_arrays_are():
    clf = TinyFrameClassifier(epochs=1, random_state=0).fit(lazy(X), lazy(LABELS))
    with pytest.raises(ValueError, match=r"X has 3 features, but TinyFrameClassifier is expecting 4 features"):
        clf.predict(lazy(X[:, :3]))
    with pytest.raises(ValueError, match=r"sample_weight and early_stopping are not taken yet"):
        TinyFrameClassifier(early_stopping=True).fit(lazy(X), lazy(LABELS))
    with pytest.raises(ValueError, match=r"y has labels outside classes=\['down', 'up'\]. Received: \['sideways'\]"):
        TinyFrameClassifier(epochs=1).partial_fit(lazy(X), lazy(np.full(200, "sideways")), classes=["down", "up"])
