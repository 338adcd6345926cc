"""Dask arrays and DataFrames given to the estimators: ``fit`` streams them, ``predict`` returns Dask arrays.

``fit(X, y)`` with Dask data trains block by block (`tinyframe.dask_batches`), ``batch_size=None``
meaning one block per step; ``predict``/``predict_proba`` return lazy Dask arrays computed where
the blocks live (`tinyframe.dask_scoring`), as dask-ml's ``ParallelPostFit`` does. Nothing here
imports Dask unless the data is Dask's.

Example:
    >>> clf = TinyFrameClassifier(epochs=5).fit(X_lazy, y_lazy)   # doctest: +SKIP
    >>> clf.predict(X_lazy).compute()                             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..dask_batches import as_dask_array, is_dask

__all__ = ["is_dask", "as_dask_array", "checked_X", "each_block", "classes_of", "codes_of", "refuse_unstreamed"]


def checked_X(estimator: Any, X: Any, reset: bool, lengths: bool) -> Any:
    """``X`` as a 2-D Dask array; sets ``n_features_in_`` (``reset``) or checks it, as ``validate_data`` does."""
    name = type(estimator).__name__
    X = as_dask_array(X, "X", lengths=lengths)
    if X.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D Dask array (n_samples, n_features). Received: shape {X.shape}")
    if reset:
        estimator.n_features_in_ = int(X.shape[1])
    elif X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {name} is expecting {estimator.n_features_in_} features as input"
        )
    return X


def refuse_unstreamed(estimator: Any, sample_weight: Any) -> None:
    """What a streamed fit does not take yet: sample weights, and the held-out rows of ``early_stopping``."""
    if sample_weight is not None or estimator.early_stopping:
        raise ValueError(
            f"{type(estimator).__name__}.fit: with Dask data, sample_weight and early_stopping are not taken yet. "
            f"Received: sample_weight={type(sample_weight).__name__}, early_stopping={estimator.early_stopping!r}"
        )


def each_block(outputs: Any, function: Callable[..., np.ndarray], *args: Any, **dask_kwargs: Any) -> Any:
    """``function(outputs, *args)``; for a Dask array, the same on each block, lazily (``dask_kwargs`` declare it)."""
    if is_dask(outputs):
        return outputs.map_blocks(function, *args, **dask_kwargs)
    return function(outputs, *args)


def classes_of(y: Any) -> np.ndarray:
    """The sorted distinct labels of a Dask ``y`` (one pass over it)."""
    import dask.array as da

    return np.asarray(da.unique(as_dask_array(y, "y")).compute())


def codes_of(y: Any, classes: np.ndarray) -> Any:
    """The index of each label of ``y`` in ``classes``, lazily; a label outside them raises when its block is read."""
    return as_dask_array(y, "y").map_blocks(label_codes, classes, dtype=np.int64)


def label_codes(labels: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """``labels``' positions in the sorted ``classes``; ValueError naming the labels that are not among them."""
    unknown = np.setdiff1d(labels, classes)
    if unknown.size:
        raise ValueError(f"y has labels outside classes={classes.tolist()}. Received: {unknown.tolist()}")
    return np.searchsorted(classes, labels).astype(np.int64)
