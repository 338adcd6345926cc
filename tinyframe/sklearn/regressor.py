"""TinyFrameRegressor: a tinyframe network as a scikit-learn regressor."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import validate_data

from .base import FLOATS, TinyFrameEstimator


class TinyFrameRegressor(RegressorMixin, TinyFrameEstimator):
    """Multi-layer perceptron regressor trained by tinyframe; ``y`` may be 1-D or 2-D (several targets).

    The output layer is linear with one unit per target, and the default loss is
    ``MeanSquaredError`` (the mean over samples and targets, Keras's ``mse``).
    All parameters are described in `TinyFrameEstimator`.

    Example:
        >>> import numpy as np
        >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
        >>> reg = TinyFrameRegressor(hidden_layer_sizes=(16,), epochs=50, random_state=0).fit(X, X.ravel() ** 2)
        >>> reg.predict(X[:2]).shape
        (2,)
    """

    def fit(self, X: Any, y: Any) -> TinyFrameRegressor:
        """Train on ``X`` (n_samples, n_features) and targets ``y`` (n_samples,) or (n_samples, n_targets)."""
        return self._fit(X, y, epochs=self.epochs, first_call=not self.warm_start)

    def partial_fit(self, X: Any, y: Any) -> TinyFrameRegressor:
        """One epoch on ``(X, y)``, continuing the network."""
        return self._fit(X, y, epochs=1, first_call=not hasattr(self, "model_"))

    def _fit(self, X: Any, y: Any, epochs: int, first_call: bool) -> TinyFrameRegressor:
        X, y = validate_data(self, X, y, dtype=FLOATS, multi_output=True, y_numeric=True, reset=first_call)
        self._one_target = y.ndim == 1
        targets = y.reshape(len(y), -1)
        self._train(X, targets, targets.shape[1], epochs, first_call)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets in float64: shape (n_samples,) if ``y`` was 1-D, else (n_samples, n_targets)."""
        out = self._outputs(X).astype(np.float64)
        return out.ravel() if self._one_target else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
