"""SparseCategoricalCrossentropy: the cross-entropy for integer class labels (Keras's name)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .cross_entropy import CrossEntropy, labels_to_one_hot


class SparseCategoricalCrossentropy(CrossEntropy):
    """`CrossEntropy` whose targets are integer class labels (Keras's ``sparse_categorical_crossentropy``).

    ``y_pred`` has shape ``(m, d1, ..., k)`` (``k`` classes on the last axis);
    ``y_true`` holds labels in ``[0, k)`` of shape ``(m, d1, ...)``, the class axis
    missing, or ``(m, d1, ..., 1)`` (that trailing 1 is dropped, as in Keras). A label
    out of range is a ValueError. With ``P = m * d1 * ...`` positions::

        J = -(1/P) sum_positions log q[label]          q as in CrossEntropy: softmax(z) of
        dJ/dz = (softmax(z) - onehot(label)) / P        logits, or normalised probabilities

    `Sequential.fit` and ``evaluate`` one-hot encode integer labels before the loss
    sees them, so one-hot targets of the prediction's shape are accepted too (for
    ``k > 1``; with one class, targets of shape ``(m, ..., 1)`` are labels) and give
    the same value. Everything else (``from_logits``, the
    gradients, ``sample_weight``) is `CrossEntropy`'s; there is no label smoothing,
    as in Keras.

    Args:
        from_logits: whether ``y_pred`` are logits (True) or probabilities (False).

    Example:
        >>> import numpy as np
        >>> loss = SparseCategoricalCrossentropy(from_logits=True)
        >>> round(loss.forward(np.array([[0.0, np.log(3.0)], [0.0, 0.0]]), np.array([1, 0])), 6)   # softmax: 3/4, 1/2
        0.490415
    """

    def __init__(self, from_logits: bool = False) -> None:
        super().__init__(from_logits)

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        shape = np.shape(y_true)
        if shape != y_pred.shape or shape[-1] == 1:  # labels (one-hot targets pass as they are)
            if len(shape) == y_pred.ndim and shape[-1] == 1:  # (m, ..., 1), squeezed as in Keras
                y_true = np.reshape(y_true, shape[:-1])
            y_true = labels_to_one_hot(y_true, y_pred, self)
        return super().forward(y_pred, y_true, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits}
