"""Keras's cross-entropy metrics: the (weighted) mean of a cross-entropy loss's per-position values."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import losses
from .._checks import check_float
from .base import Metric, sample_weights


class LossMean(Metric):
    """The weighted mean of a tinyframe loss's per-position values over every batch seen.

    The loss (``self.loss``, made by the subclass from its settings) reports a batch as
    ``(1/D) sum_s w_s L_s``: ``L_s`` sample ``s``'s summed loss, ``w_s`` its weight (1
    without ``sample_weight``) and ``D`` the loss's divisor, ``positions(y_pred)``. So, over
    the batches seen, with ``n = D / m`` values per sample::

        result = sum_s w_s L_s / sum_s w_s n

    which is Keras's mean of the per-sample losses (each the mean over its positions),
    weighted by ``sample_weight``. The loss's own numerics and checks apply (probabilities
    in ``[0, 1]`` unless ``from_logits=True``; ``log`` of values clipped at the dtype's
    epsilon, where Keras clips at 1e-7). No data seen: 0.0.
    """

    loss: losses.Loss

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        if y_pred.dtype not in (np.float32, np.float64):
            y_pred = y_pred.astype(np.float64)
        m = y_pred.shape[0]
        w = sample_weights(self, sample_weight, m)
        if y_pred.size == 0:
            return
        d = self.positions(y_pred)
        try:
            value = self.loss.forward(y_pred, self.targets(y_true), w)
        except ValueError as error:  # the loss's refusal, said of this metric (the model's loss may be another)
            raise ValueError(f"metric {self.name!r}: {error}") from None
        self.total += value * d
        self.count += d if w is None else float(w.sum()) * d / m

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def positions(self, y_pred: np.ndarray) -> int:
        """The loss's divisor: every position, the last axis being the classes."""
        return y_pred.size // y_pred.shape[-1]

    def targets(self, y_true: np.ndarray) -> np.ndarray:
        return y_true


class BinaryCrossentropy(LossMean):
    """Keras's ``binary_crossentropy`` metric: the mean of `tinyframe.losses.BinaryCrossEntropy` per output.

    Each element of ``y_pred`` (shape ``(m, d1, ..., k)``) is a yes/no answer::

        mean over outputs of  -[y log p + (1 - y) log(1 - p)]        (p = sigmoid(z) for logits)

    weighted per sample.

    Args:
        from_logits: whether ``y_pred`` are logits (True) or probabilities (False, the default).
        label_smoothing: ``s`` in ``[0, 1]``: the targets are taken as ``y (1 - s) + s / 2``, as Keras.
        name: the key in the logs; ``"binary_crossentropy"`` by default.

    Example:
        >>> import numpy as np
        >>> round(BinaryCrossentropy()(np.array([[1.0], [0.0]]), np.array([[0.5], [0.5]])), 6)   # log 2
        0.693147
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, name: str | None = None) -> None:
        self.loss = losses.BinaryCrossEntropy(from_logits)
        self.label_smoothing = check_float(
            label_smoothing, "label_smoothing", "BinaryCrossentropy", 0.0, 1.0, low_open=False
        )
        super().__init__(name)

    def positions(self, y_pred: np.ndarray) -> int:
        return y_pred.size  # every output is a position

    def targets(self, y_true: np.ndarray) -> np.ndarray:
        s = self.label_smoothing
        return y_true * (1.0 - s) + 0.5 * s if s else y_true

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "from_logits": self.loss.from_logits, "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(LossMean):
    """Keras's ``categorical_crossentropy`` metric: the mean of `tinyframe.losses.CrossEntropy` per position.

    ``y_true`` one-hot (or integer labels) for ``y_pred`` of shape ``(m, d1, ..., k)``, the
    classes on the last axis; weighted per sample.

    Args:
        from_logits: whether ``y_pred`` are logits (True) or probabilities (False, the default).
        label_smoothing: ``s`` in ``[0, 1]``: the targets are taken as ``y (1 - s) + s / k``, as Keras.
        name: the key in the logs; ``"categorical_crossentropy"`` by default.

    Example:
        >>> import numpy as np
        >>> round(CategoricalCrossentropy()(np.eye(2)[[1, 0]], np.array([[0.25, 0.75], [0.5, 0.5]])), 6)
        0.490415
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, name: str | None = None) -> None:
        self.loss = losses.CrossEntropy(from_logits, label_smoothing)
        super().__init__(name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self.loss.get_config()}


class SparseCategoricalCrossentropy(LossMean):
    """Keras's ``sparse_categorical_crossentropy`` metric: the mean of the loss of that name per position.

    ``y_true`` integer labels ``(m, d1, ...)`` or ``(m, d1, ..., 1)`` (or one-hot rows, as a
    model passes them) for ``y_pred`` of shape ``(m, d1, ..., k)``; weighted per sample.

    Args:
        from_logits: whether ``y_pred`` are logits (True) or probabilities (False, the default).
        name: the key in the logs; ``"sparse_categorical_crossentropy"`` by default.

    Example:
        >>> import numpy as np
        >>> round(SparseCategoricalCrossentropy()(np.array([1, 0]), np.array([[0.25, 0.75], [0.5, 0.5]])), 6)
        0.490415
    """

    def __init__(self, from_logits: bool = False, name: str | None = None) -> None:
        self.loss = losses.SparseCategoricalCrossentropy(from_logits)
        super().__init__(name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self.loss.get_config()}
