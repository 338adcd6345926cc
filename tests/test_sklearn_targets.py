"""TinyFrameRegressor standardises its targets inside fit and undoes it in predict."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_regression

from tinyframe.sklearn import TinyFrameRegressor
from tinyframe.sklearn.regressor import target_scaling

# the fits here are short on purpose (what they check does not need a converged network)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def quick(**kwargs) -> TinyFrameRegressor:
    return TinyFrameRegressor(**{"hidden_layer_sizes": (16,), "epochs": 20, "random_state": 0, **kwargs})


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_regression(n_samples=120, n_features=4, n_targets=2, noise=1.0, random_state=0)
    return X, y


def test_target_scaling_by_hand():
    targets = np.array([[1.0, 5.0, 0.1, 0.0], [3.0, 5.0, 0.1, 0.0], [8.0, 5.0, 0.1, 0.0]])
    mean, scale = target_scaling(targets, scale=True)
    # column 0: mean 4, deviations -3, -1, 4, variance (9 + 1 + 16) / 3 = 26 / 3 (numpy's std, ddof=0)
    # columns 1-3 are constant (0.1 three times has a spread of rounding only): std 1, only centred
    np.testing.assert_allclose(mean, [4.0, 5.0, 0.1, 0.0], rtol=1e-15)
    np.testing.assert_allclose(scale, [np.sqrt(26 / 3), 1.0, 1.0, 1.0], rtol=1e-15)
    mean, scale = target_scaling(targets, scale=False)
    assert (mean == 0).all() and (scale == 1).all() and mean.shape == (4,)


def test_fit_keeps_the_mean_and_std_of_each_target_column(data):
    X, y = data
    y = 50 * y + 300
    reg = quick().fit(X, y)
    np.testing.assert_allclose(reg.target_mean_, y.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(reg.target_scale_, y.std(axis=0), rtol=1e-12)
    # the network learns the standardised targets; predict maps its outputs back
    np.testing.assert_allclose(reg.predict(X), reg.model_.predict(X) * y.std(axis=0) + y.mean(axis=0), rtol=1e-12)
    one = quick().fit(X, y[:, 0])
    assert one.target_mean_.shape == (1,) and one.predict(X).shape == (len(X),)


def test_predictions_follow_an_affine_change_of_the_targets(data):
    # Standardised, y and 1000 * y + 300 are the same targets up to rounding (~1e-16 relative), so the two
    # fits take the same steps and the predictions differ by the same affine map. A 20-epoch fit of
    # 16 units does not amplify rounding past ~1e-12 (checked margin: 1e-9).
    X, y = data
    small, large = quick().fit(X, y), quick().fit(X, 1000 * y + 300)
    np.testing.assert_allclose(large.predict(X), 1000 * small.predict(X) + 300, rtol=1e-9)
    assert large.score(X, 1000 * y + 300) == pytest.approx(small.score(X, y), abs=1e-9)


def test_without_scaling_the_network_learns_the_raw_targets(data):
    X, y = data
    reg = quick(scale_targets=False).fit(X, y)
    assert (reg.target_mean_ == 0).all() and (reg.target_scale_ == 1).all()
    np.testing.assert_array_equal(reg.predict(X), reg.model_.predict(X))


def test_a_constant_target_column_is_centred_not_divided_by_zero(data):
    X, y = data
    constant = np.column_stack([y[:, 0], np.full(len(y), 7.25)])
    reg = quick().fit(X, constant)
    assert reg.target_mean_[1] == 7.25 and reg.target_scale_[1] == 1.0
    predicted = reg.predict(X)
    assert np.isfinite(predicted).all()
    # centred only: the network sees the same zeros as for a column of zeros, so the fits agree, shifted
    zeros = quick().fit(X, np.column_stack([y[:, 0], np.zeros(len(y))]))
    np.testing.assert_allclose(predicted - [0.0, 7.25], zeros.predict(X), rtol=1e-12, atol=1e-12)


def test_warm_start_and_partial_fit_keep_the_first_scaling(data):
    X, y = data
    warm = quick(warm_start=True).fit(X, y)
    mean, scale = warm.target_mean_.copy(), warm.target_scale_.copy()
    warm.fit(X, 10 * y + 5)
    np.testing.assert_array_equal(warm.target_mean_, mean)
    np.testing.assert_array_equal(warm.target_scale_, scale)

    cold = quick().fit(X, y)
    cold.fit(X, 10 * y + 5)  # without warm_start a fit starts again, scaling included
    np.testing.assert_allclose(cold.target_mean_, 10 * mean + 5, rtol=1e-12)

    part = quick()
    part.partial_fit(X[:60], y[:60])
    first = part.target_mean_.copy(), part.target_scale_.copy()
    part.partial_fit(X[60:], 3 * y[60:])
    np.testing.assert_array_equal(part.target_mean_, first[0])
    np.testing.assert_array_equal(part.target_scale_, first[1])
    np.testing.assert_allclose(first[0], y[:60].mean(axis=0), rtol=1e-12)


def test_a_new_number_of_targets_under_warm_start_refits_the_scaling(data):
    X, y = data
    warm = quick(warm_start=True).fit(X, y)
    warm.fit(X, y[:, 0] + 100)  # one target instead of two: a new network, so a new scaling
    np.testing.assert_allclose(warm.target_mean_, [y[:, 0].mean() + 100], rtol=1e-12)


def test_scale_targets_must_be_a_bool(data):
    X, y = data
    with pytest.raises(TypeError, match=r"scale_targets must be True or False. Received: scale_targets='yes'"):
        quick(scale_targets="yes").fit(X, y)
