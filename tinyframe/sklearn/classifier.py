"""TinyFrameClassifier: a tinyframe network as a scikit-learn classifier."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .. import losses
from .base import FLOATS, TinyFrameEstimator


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise ``exp(z - max) / sum(exp(z - max))`` in float64: probabilities that sum to 1."""
    e = np.exp(z.astype(np.float64) - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class TinyFrameClassifier(ClassifierMixin, TinyFrameEstimator):
    """Multi-layer perceptron classifier trained by tinyframe, for Pipelines, cross-validation and searches.

    The output layer has one unit per class and the loss is ``CrossEntropy(from_logits=True)``
    (softmax and cross-entropy fused), so ``predict_proba`` is the softmax of the outputs.
    Labels may be anything `numpy.unique` sorts (ints, strings, ...): ``classes_`` keeps them.
    All parameters are described in `TinyFrameEstimator`.

    Example:
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = make_pipeline(StandardScaler(), TinyFrameClassifier(random_state=0)).fit(X, y)  # doctest: +SKIP
    """

    @staticmethod
    def _default_loss() -> losses.Loss:
        return losses.CrossEntropy(from_logits=True)

    def fit(self, X: Any, y: Any) -> TinyFrameClassifier:
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,); returns self."""
        return self._fit(X, y, classes=None, epochs=self.epochs, first_call=not self.warm_start)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> TinyFrameClassifier:
        """One epoch on ``(X, y)``, continuing the network; the first call must name all ``classes``."""
        first = not hasattr(self, "model_")
        if first and classes is None:
            raise ValueError("TinyFrameClassifier.partial_fit: the first call needs classes=[...]. Received: None")
        return self._fit(X, y, classes=classes if first else self.classes_, epochs=1, first_call=first)

    def _fit(self, X: Any, y: Any, classes: Any, epochs: int, first_call: bool) -> TinyFrameClassifier:
        X, y = validate_data(self, X, y, dtype=FLOATS, reset=first_call)
        check_classification_targets(y)
        self.classes_ = np.unique(y) if classes is None else np.asarray(classes)
        if len(self.classes_) < 2:
            raise ValueError(
                "TinyFrameClassifier needs samples of at least 2 classes in the data. "
                f"Received: only one class, {self.classes_[0]!r}"
            )
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(f"y has labels outside classes={self.classes_.tolist()}. Received: {unknown.tolist()}")
        labels = np.searchsorted(self.classes_, y)
        self._train(X, labels, len(self.classes_), epochs, first_call)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``."""
        return softmax(self._outputs(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample."""
        outputs = self._outputs(X)  # first: it raises NotFittedError before classes_ exists
        return self.classes_[np.argmax(outputs, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags
