"""Input rules at the public boundary: one-hot labels, target shapes, accepted containers."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import data


def test_one_hot_golden():
    np.testing.assert_array_equal(data.one_hot([2, 0, 1], 3), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(data.one_hot(np.array([1.0, 0.0]), 2, "float32"), [[0, 1], [1, 0]])
    assert data.one_hot([1], 2, "float32").dtype == np.float32


@pytest.mark.parametrize(
    ("y", "width", "expected"),
    [
        ([1, 0], (3,), [[0, 1, 0], [1, 0, 0]]),  # (n,) labels against width 3
        ([[1], [0]], (3,), [[0, 1, 0], [1, 0, 0]]),  # (n, 1) labels against width 3
        ([0.5, 2.0], (1,), [[0.5], [2.0]]),  # (n,) targets against width 1
        ([[0.5], [2.0]], (1,), [[0.5], [2.0]]),  # (n, 1) targets against width 1
        ([[0.5, 1], [2.0, 3]], (2,), [[0.5, 1], [2.0, 3]]),  # (n, k) targets as given
        ([[1, 0], [2, 2]], (2, 3), [[[0, 1, 0], [1, 0, 0]], [[0, 0, 1], [0, 0, 1]]]),  # (n, T) labels, (T, k) output
        ([[[1], [0]], [[0], [0]]], (2, 2), [[[0, 1], [1, 0]], [[1, 0], [1, 0]]]),  # (n, T, 1) labels
        ([[0.5, 2.0], [1.0, 3.0]], (2, 1), [[[0.5], [2.0]], [[1.0], [3.0]]]),  # (n, T) targets against (T, 1)
    ],
)
def test_target_rules(y, width, expected):
    np.testing.assert_array_equal(data.prepare_targets(y, 2, width, "float64"), expected)


def test_targets_are_never_broadcast():
    with pytest.raises(ValueError, match=r"y must have shape \(3, 1\) .* Received: shape \(3, 3\)"):
        data.prepare_targets(np.ones((3, 3)), 3, (1,), "float64")
    with pytest.raises(ValueError, match=r"y must have shape \(2, 1\) .* Received: shape \(2, 1, 1\)"):
        data.prepare_targets(np.ones((2, 1, 1)), 2, (1,), "float64")
    with pytest.raises(ValueError, match=r"y must have shape \(2, 4, 3\) .* or be class labels of shape \(2, 4\)"):
        data.prepare_targets(np.ones((2, 3)), 2, (4, 3), "float64")
    with pytest.raises(ValueError, match=r"y must be 1-D labels or targets of the output's shape. Received: a scalar"):
        data.prepare_targets(3.0, 1, (1,), "float64")


def test_lists_and_ragged_lists():
    X = data.check_features([[1, 2], [3, 4]], "float32")
    assert X.dtype == np.float32 and X.flags.c_contiguous
    with pytest.raises(TypeError, match="X must be a rectangular array of real numbers"):
        data.check_features([[1, 2], [3]], "float32")
    with pytest.raises(TypeError, match=r"X must contain real numbers .* Received: dtype object"):
        data.check_features(np.array([[1, None]], dtype=object), "float32")


def test_sparse_matrices_get_a_clear_error():
    from scipy import sparse

    with pytest.raises(TypeError, match=r"X: sparse matrices are not supported; pass X.toarray\(\). Received: csr"):
        data.check_features(sparse.csr_matrix(np.eye(2)), "float64")


def test_validation_rows_are_a_seeded_random_partition():
    train, val = data.validation_rows(10, 0.3, np.random.default_rng(0))
    assert len(val) == 3 and sorted(np.concatenate([train, val])) == list(range(10))
    again, val_again = data.validation_rows(10, 0.3, np.random.default_rng(0))
    assert np.array_equal(val, val_again) and np.array_equal(train, again)
    with pytest.raises(ValueError, match="leaves 0 for validation and 3 for training"):
        data.validation_rows(3, 0.2, np.random.default_rng(0))


# ---------------------------------------------------------------- issue 27: errors that say what to do
def test_string_labels_are_refused_saying_how_to_encode_them():
    from tinyframe import Sequential
    from tinyframe.layers import Dense

    model = Sequential([Dense(3, 2)], seed=0)
    with pytest.raises(TypeError, match=r"y must contain .* Received: dtype <U3\. Encode string labels as integers "):
        model.fit(np.ones((3, 3)), np.array(["cat", "dog", "cat"]), verbose=0)
    with pytest.raises(TypeError, match=r"TinyFrameClassifier, which takes them"):
        model.fit(np.ones((3, 3)), ["cat", "dog", "cat"], verbose=0)


def test_a_one_dimensional_x_is_refused_suggesting_the_reshape():
    from tinyframe.data import check_features

    hint = r"X\.reshape\(-1, 1\) if it holds one feature, X\.reshape\(1, -1\) if one sample"
    with pytest.raises(ValueError, match=hint):
        check_features(np.arange(5.0), "float32")


def test_a_data_frame_column_that_is_not_numeric_is_named():
    pd = pytest.importorskip("pandas")
    from tinyframe.data import check_features

    frame = pd.DataFrame({"age": [1.0, 2.0], "city": ["Oslo", "Rome"], "height": [1, 2]})
    with pytest.raises(TypeError, match=r"X: column 'city' is not numeric \(dtype (object|str)\)"):
        check_features(frame, "float32")
