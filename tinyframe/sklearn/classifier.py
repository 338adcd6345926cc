"""TinyFrameClassifier: a tinyframe network as a scikit-learn classifier."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .. import losses
from . import lazy
from .base import FLOATS, TinyFrameEstimator


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise ``exp(z - max) / sum(exp(z - max))`` in float64: probabilities that sum to 1."""
    e = np.exp(z.astype(np.float64) - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def most_probable(outputs: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The class of the largest output of each row, ``(n_samples,)``."""
    return classes[np.argmax(outputs, axis=1)]


class TinyFrameClassifier(ClassifierMixin, TinyFrameEstimator):
    """Multi-layer perceptron classifier trained by tinyframe, for Pipelines, cross-validation and searches.

    The output layer has one unit per class and the loss is ``CrossEntropy(from_logits=True)``
    (softmax and cross-entropy fused), so ``predict_proba`` is the softmax of the outputs.
    Labels may be anything `numpy.unique` sorts (ints, strings, ...): ``classes_`` keeps them.
    All parameters are described in `TinyFrameEstimator`. The defaults (``learning_rate=4e-3``,
    ``alpha=1e-3``, ``batch_size=64``, ``epochs=1000``, stopping at ``tol=3e-4`` over ``patience=10``)
    misclassify no more samples than ``MLPClassifier(max_iter=2000)`` in 5-fold cross-validation
    on load_iris, load_wine, load_breast_cancer and load_digits, in less time
    (``python -m benchmarks.sklearn_datasets``).

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

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        activation: str = "relu",
        loss: Any = None,
        optimizer: str = "adam",
        learning_rate: float = 4e-3,
        alpha: float = 1e-3,
        epochs: int = 1000,
        batch_size: int | None = 64,
        shuffle: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        tol: float = 3e-4,
        dtype: str = "float64",
        random_state: Any = None,
        verbose: int = 0,
        warm_start: bool = False,
    ) -> None:
        self._store(locals())

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TinyFrameClassifier:
        """Train on ``X`` (n_samples, n_features) and labels ``y`` (n_samples,); returns self.

        ``sample_weight`` (n_samples,) weighs each sample's loss (Keras's rule, `Sequential.fit`).
        """
        first = not (self.warm_start and self._fitted())
        return self._fit(X, y, classes=None, first_call=first, incremental=False, sample_weight=sample_weight)

    def partial_fit(self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None) -> TinyFrameClassifier:
        """One epoch on ``(X, y)``, continuing the network; the first call must name all ``classes``."""
        first = not self._fitted()
        if first and classes is None:
            raise ValueError("TinyFrameClassifier.partial_fit: the first call needs classes=[...]. Received: None")
        classes = classes if first else self.classes_
        return self._fit(X, y, classes=classes, first_call=first, incremental=True, sample_weight=sample_weight)

    def _fit(
        self, X: Any, y: Any, classes: Any, first_call: bool, incremental: bool, sample_weight: Any = None
    ) -> TinyFrameClassifier:
        if lazy.is_dask(X):
            return self._fit_lazily(X, y, classes, first_call, incremental, sample_weight)
        X, y = validate_data(self, X, y, dtype=FLOATS, reset=first_call)
        sample_weight = self._weights(sample_weight, X)
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
        self._train(X, labels, len(self.classes_), first_call, incremental, sample_weight)
        return self

    def _fit_lazily(
        self, X: Any, y: Any, classes: Any, first_call: bool, incremental: bool, sample_weight: Any
    ) -> TinyFrameClassifier:
        """`fit` on Dask data: the labels found in one pass over ``y``, then training block by block."""
        lazy.refuse_unstreamed(self, sample_weight)
        X = lazy.checked_X(self, X, reset=first_call, lengths=True)
        classes_ = lazy.classes_of(y) if classes is None else np.asarray(classes)
        if len(classes_) < 2:
            raise ValueError(f"TinyFrameClassifier needs samples of at least 2 classes. Received: {classes_.tolist()}")
        self.classes_ = classes_
        self._train(X, lazy.codes_of(y, self.classes_), len(self.classes_), first_call, incremental)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``.

        A Dask ``X`` gives a lazy Dask array (`tinyframe.sklearn.lazy`)."""
        return lazy.each_block(self._outputs(X), softmax, dtype=np.float64)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample (a lazy Dask array for a Dask ``X``)."""
        outputs = self._outputs(X)  # first: it raises NotFittedError before classes_ exists
        return lazy.each_block(outputs, most_probable, self.classes_, drop_axis=1, dtype=self.classes_.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags
