"""TinyFrameRegressor: a tinyframe network as a scikit-learn regressor."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import validate_data

from . import lazy
from .base import FLOATS, TinyFrameEstimator


def target_scaling(
    targets: np.ndarray, scale: bool, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, std)`` of each target column: over every axis but the last, so both have shape (n_targets,).

    With ``sample_weight`` (one weight per sample) they are the weighted mean and standard deviation.

    ``targets`` is ``(n_samples, ..., n_targets)``; the network learns ``(targets - mean) / std``.
    A column whose spread is below the rounding of its mean (a constant column) gets std 1, as
    `StandardScaler` does, so it is only centred. ``scale=False`` gives zeros and ones: no scaling.

    Example:
        >>> mean, std = target_scaling(np.array([[1.0, 5.0], [3.0, 5.0]]), scale=True)
        >>> mean.tolist(), std.tolist()
        ([2.0, 5.0], [1.0, 1.0])
    """
    n_targets = targets.shape[-1]
    if not scale:
        return np.zeros(n_targets), np.ones(n_targets)
    rows = targets.reshape(-1, n_targets).astype(np.float64)
    weights = None if sample_weight is None else np.repeat(sample_weight, rows.shape[0] // len(sample_weight))
    if weights is not None and not weights.sum() > 0:
        weights = None  # every weight 0: nothing to weigh by
    if lazy.is_dask(rows):  # one pass over Dask targets for both
        import dask

        mean, std = (np.asarray(a) for a in dask.compute(rows.mean(axis=0), rows.std(axis=0)))
    else:
        mean = np.average(rows, axis=0, weights=weights)
        std = np.sqrt(np.average((rows - mean) ** 2, axis=0, weights=weights))
    # a mean of n values near |mean| is rounded by at most about n * eps * |mean|; a spread below that is
    # rounding, not data (and a column of zeros has std 0 <= 0)
    n = rows.shape[0]
    constant = std <= n * np.finfo(np.float64).eps * np.abs(mean)
    return mean, np.where(constant, 1.0, std)


def unscaled(outputs: np.ndarray, mean: np.ndarray, scale: np.ndarray, one_target: bool) -> np.ndarray:
    """The network's ``outputs`` on the scale of ``y``: ``outputs * scale + mean`` in float64 (1-D for one target)."""
    out = outputs.astype(np.float64) * scale + mean
    return out.ravel() if one_target else out


class TinyFrameRegressor(RegressorMixin, TinyFrameEstimator):
    """Multi-layer perceptron regressor trained by tinyframe; ``y`` may be 1-D or 2-D (several targets).

    The output layer is linear with one unit per target, and the default loss is
    ``MeanSquaredError`` (the mean over samples and targets, Keras's ``mse``).

    Targets are standardised inside ``fit`` (``scale_targets=True``, the default): the network
    learns ``(y - target_mean_) / target_scale_`` column by column, and ``predict`` maps its
    outputs back, so ``predict`` and ``score`` are on the scale of ``y``. Without it a target in
    the hundreds (load_diabetes) is far from what Glorot-initialised weights output and the fit
    underfits (R^2 0.26 instead of 0.48 on load_diabetes). The scaling is fixed when the network
    is built: ``warm_start`` fits and ``partial_fit`` calls after the first keep it (so the first
    ``partial_fit`` batch sets it). ``loss_`` and ``history_`` are on the standardised scale.

    Args:
        scale_targets: standardise each target column inside ``fit`` (default True); False trains
            on ``y`` as given. A constant column is centred only (its scale is 1).

    The other parameters are described in `TinyFrameEstimator`. The defaults (``learning_rate=1e-3``,
    ``alpha=1e-2``, ``batch_size=32``, ``epochs=2000``, stopping at ``tol=3e-4`` over ``patience=10``)
    score at least as well as ``MLPRegressor(max_iter=2000)`` on load_diabetes and load_linnerud, in
    a fraction of its time (``python -m benchmarks.sklearn_datasets``).

    Fitted attributes (besides `TinyFrameEstimator`'s): ``target_mean_`` and ``target_scale_``,
    shape (n_targets,) (1 for a 1-D ``y``): each column's mean and standard deviation (1 for a
    constant column), or zeros and ones with ``scale_targets=False``.

    Example:
        >>> import numpy as np
        >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
        >>> reg = TinyFrameRegressor(hidden_layer_sizes=(16,), random_state=0).fit(X, X.ravel() ** 2)
        >>> reg.predict(X[:2]).shape
        (2,)
    """

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        activation: str = "relu",
        loss: Any = None,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        alpha: float = 1e-2,
        epochs: int = 2000,
        batch_size: int | None = 32,
        shuffle: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        tol: float = 3e-4,
        scale_targets: bool = True,
        dtype: str = "float64",
        random_state: Any = None,
        verbose: int = 0,
        warm_start: bool = False,
    ) -> None:
        self._store(locals())

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TinyFrameRegressor:
        """Train on ``X`` (n_samples, n_features) and targets ``y`` (n_samples,) or (n_samples, n_targets).

        ``sample_weight`` (n_samples,) weighs each sample's loss, and the target scaling's mean and std.
        """
        first = not (self.warm_start and self._fitted())
        return self._fit(X, y, first_call=first, incremental=False, sample_weight=sample_weight)

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> TinyFrameRegressor:
        """One epoch on ``(X, y)``, continuing the network (and the target scaling of the first call)."""
        return self._fit(X, y, first_call=not self._fitted(), incremental=True, sample_weight=sample_weight)

    def _fit(
        self, X: Any, y: Any, first_call: bool, incremental: bool, sample_weight: Any = None
    ) -> TinyFrameRegressor:
        if not isinstance(self.scale_targets, (bool, np.bool_)):
            raise TypeError(
                "TinyFrameRegressor: scale_targets must be True or False. "
                f"Received: scale_targets={self.scale_targets!r}"
            )
        if lazy.is_dask(X):  # streamed: checked as the blocks come (tinyframe.dask_batches)
            lazy.refuse_unstreamed(self, sample_weight)
            X, y = lazy.checked_X(self, X, reset=first_call, lengths=True), lazy.as_dask_array(y, "y")
        else:
            X, y = validate_data(self, X, y, dtype=FLOATS, multi_output=True, y_numeric=True, reset=first_call)
            sample_weight = self._weights(sample_weight, X)
        self._one_target = y.ndim == 1
        targets = y.reshape(y.shape[0], -1)
        self._train(X, targets, targets.shape[1], first_call, incremental, sample_weight)
        return self

    def _training_targets(
        self, targets: np.ndarray, fitted: bool, sample_weight: np.ndarray | None = None
    ) -> np.ndarray:
        """``(y - target_mean_) / target_scale_``, the scaling fixed when the network was built."""
        if not fitted:
            self.target_mean_, self.target_scale_ = target_scaling(targets, self.scale_targets, sample_weight)
        return (targets - self.target_mean_) / self.target_scale_

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets in float64: shape (n_samples,) if ``y`` was 1-D, else (n_samples, n_targets).

        A Dask ``X`` gives a lazy Dask array (`tinyframe.sklearn.lazy`)."""
        outputs = self._outputs(X)
        one, drop = self._one_target, [1] if self._one_target else []
        return lazy.each_block(
            outputs, unscaled, self.target_mean_, self.target_scale_, one, drop_axis=drop, dtype=np.float64
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
