"""CrossEntropy: the classification loss, from logits through log-sum-exp or from probabilities."""

from __future__ import annotations

import numpy as np

from .. import _scratch
from .._checks import check_float
from ..data import one_hot
from .base import positions
from .probabilistic import ProbabilisticLoss


class CrossEntropy(ProbabilisticLoss):
    """Categorical cross-entropy over the last axis, averaged over the positions (Keras's ``categorical_crossentropy``).

    ``y_pred`` has shape ``(m, d1, ..., k)``: ``k`` classes on the last axis at each of
    the ``P = m * d1 * ...`` positions (``P = m`` for plain ``(m, k)`` outputs).
    ``y_true`` is one-hot (any rows of non-negative weights work, e.g. label
    smoothing) of the same shape, or integer labels ``(m, d1, ...)`` which are
    one-hot encoded here (`Sequential` already does that for ``fit`` and ``evaluate``)::

        J = -(1/P) sum_positions sum_j y_j log q_j

    ``from_logits=True`` (recommended; put no `Softmax` layer in the model): ``y_pred``
    holds raw scores ``z`` and ``log q`` is the log-softmax through log-sum-exp::

        log q = z - max(z) - log(sum(exp(z - max(z))))        per position, never log(0)
        dJ/dz = (softmax(z) * sum_j y_j - y) / P               = (softmax(z) - y) / P for one-hot y

    **The fused gradient lives here.** The softmax and the cross-entropy are one
    function of ``z`` in this mode, and ``dJ/dz`` above is that function's exact
    gradient, the softmax Jacobian already folded in. That is why the model must not
    also end in `Softmax`: the layer's backward would apply the Jacobian a second time.

    ``from_logits=False`` (the default, as in Keras): ``y_pred`` holds probabilities
    ``p``, say from a final `Softmax` layer, whose own backward applies the Jacobian.
    As in Keras, each row is first normalised to sum to 1 (so a `Sigmoid` output
    trains too: raising the right class's share lowers the others'), then clipped
    as in `ProbabilisticLoss`. With ``S = max(sum_j p_j, eps)`` and ``g = y / clip(q)``::

        q = p / S            J = -(1/P) sum y * log(clip(q))
        dJ/dp_i = -(g_i - sum_j g_j q_j) / (P S)

    the gradient through the normalisation (``dq_j/dp_i = (delta_ij - q_j) / S``).
    A row that already sums to 1 (a `Softmax` output) only gains the row-constant
    ``sum_j y_j / P``, which the softmax's Jacobian removes: `Softmax` + this mode
    gives the fused gradient above.

    ``label_smoothing = s`` trains on ``y * (1 - s) + s / k`` instead of ``y``
    (Keras's argument; Szegedy et al., 2016): the model is never pushed towards
    infinite logits, which regularises it. The reported loss is that of the smoothed
    targets, so its floor is no longer 0.

    With ``sample_weight`` ``w`` (shape ``(m,)``), each sample's terms are multiplied
    by ``w_s``; ``J`` is still divided by ``P``.

    Args:
        from_logits: whether ``y_pred`` are logits (True) or probabilities (False).
        label_smoothing: ``s`` in ``[0, 1]``; 0 (no smoothing) by default.

    Example:
        >>> import numpy as np
        >>> loss = CrossEntropy(from_logits=True)
        >>> round(loss.forward(np.array([[0.0, np.log(3.0)]]), np.array([1])), 6)   # -log(3/4)
        0.287682
        >>> loss.backward()                                   # softmax(z) - y
        array([[ 0.25, -0.25]])
        >>> round(CrossEntropy().forward(np.array([[0.1, 0.3]]), np.array([1])), 6)   # normalised: -log(3/4)
        0.287682
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0) -> None:
        smoothing = check_float(label_smoothing, "label_smoothing", type(self).__name__, 0.0, 1.0, low_open=False)
        super().__init__(from_logits)
        self.label_smoothing = smoothing

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        if np.ndim(y_true) == y_pred.ndim - 1:
            y_true = labels_to_one_hot(y_true, y_pred, self)
        if self.label_smoothing and np.shape(y_true) == y_pred.shape:
            smoothed = _scratch.buffer(self, "smoothed", y_pred.shape, y_pred.dtype)
            np.multiply(y_true, 1.0 - self.label_smoothing, out=smoothed)
            smoothed += self.label_smoothing / y_pred.shape[-1]
            y_true = smoothed
        return super().forward(y_pred, y_true, sample_weight)

    def logits_value(self, z: np.ndarray, y: np.ndarray) -> float:
        log_p = np.subtract(z, z.max(axis=-1, keepdims=True), out=self.buffer("log_p", z.shape))
        p = np.exp(log_p, out=self.buffer("p", z.shape))  # exponents <= 0: no overflow
        total = p.sum(axis=-1, keepdims=True)  # >= 1, so its log is finite
        log_p -= np.log(total)
        p /= total  # softmax(z), kept for the gradient
        return -self.total(y, log_p) / positions(z)

    def logits_gradient(self, out: np.ndarray) -> np.ndarray:
        y = self._y_true
        np.multiply(self.saved("p"), y.sum(axis=-1, keepdims=True), out=out)
        out -= y
        out /= positions(out)
        return out

    def probs_value(self, p: np.ndarray, y: np.ndarray) -> float:
        S = np.sum(p, axis=-1, keepdims=True, out=self.buffer("sum", p.shape[:-1] + (1,)))
        np.maximum(S, np.finfo(p.dtype).eps, out=S)  # a row of zeros stays finite
        q = np.divide(p, S, out=self.buffer("q", p.shape))
        log_q = np.log(self.clipped(q, "clipped"), out=self.buffer("log_q", p.shape))
        return -self.total(y, log_q) / positions(p)

    def probs_gradient(self, out: np.ndarray) -> np.ndarray:
        np.divide(self._y_true, self.saved("clipped"), out=out)  # g = y / clip(q)
        gq = np.multiply(out, self.saved("q"), out=self.saved("log_q"))
        out -= gq.sum(axis=-1, keepdims=True)  # g_i - sum_j g_j q_j
        out /= self.saved("sum")
        out *= -1.0 / positions(out)
        return out

    def get_config(self) -> dict:
        return {"from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


def labels_to_one_hot(labels: np.ndarray, y_pred: np.ndarray, loss: object) -> np.ndarray:
    """Integer labels ``(m, d1, ...)`` as one-hot targets of ``y_pred``'s shape ``(m, d1, ..., k)``."""
    labels = np.asarray(labels)
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"{loss!r}: integer labels must have the shape of y_pred without its last (class) axis, "
            f"{y_pred.shape[:-1]}. Received: labels of shape {labels.shape} for y_pred of shape {y_pred.shape}"
        )
    return one_hot(labels.reshape(-1), y_pred.shape[-1], y_pred.dtype).reshape(y_pred.shape)
