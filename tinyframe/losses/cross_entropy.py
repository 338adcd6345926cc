"""CrossEntropy: the classification loss, from logits through log-sum-exp or from probabilities."""

from __future__ import annotations

import numpy as np

from .. import _scratch
from .._checks import check_float
from ..data import one_hot
from .probabilistic import ProbabilisticLoss


class CrossEntropy(ProbabilisticLoss):
    """Categorical cross-entropy, averaged over the batch: ``J = -(1/m) sum_i sum_j y_ij log p_ij``.

    ``y_true`` is one-hot (any rows of non-negative weights work, e.g. label
    smoothing) of shape ``(m, k)``, or integer labels ``(m,)`` which are one-hot
    encoded here (`Sequential` already does that for ``fit`` and ``evaluate``).

    ``from_logits=True`` (recommended; put no `Softmax` layer in the model): ``y_pred``
    holds raw scores ``z`` and ``log p`` is the log-softmax through log-sum-exp::

        log p = z - max(z) - log(sum(exp(z - max(z))))        row-wise, never log(0)
        dJ/dz = (softmax(z) * sum_j y_ij - y) / m             = (softmax(z) - y) / m for one-hot y

    **The fused gradient lives here.** The softmax and the cross-entropy are one
    function of ``z`` in this mode, and ``dJ/dz`` above is that function's exact
    gradient, the softmax Jacobian already folded in. That is why the model must not
    also end in `Softmax`: the layer's backward would apply the Jacobian a second time.

    ``from_logits=False`` (the default, as in Keras): ``y_pred`` holds probabilities,
    say from a final `Softmax` layer, whose own backward applies the Jacobian::

        J = -(1/m) sum y * log(clip(p))       dJ/dp = -y / (m * clip(p))

    with ``clip`` as in `ProbabilisticLoss` (machine epsilon of the dtype). Rows are
    not renormalised. `Softmax` + this mode gives the same gradient as the fused one.

    ``label_smoothing = s`` trains on ``y * (1 - s) + s / k`` instead of ``y``
    (Keras's argument; Szegedy et al., 2016): the model is never pushed towards
    infinite logits, which regularises it. The reported loss is that of the smoothed
    targets, so its floor is no longer 0.

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
    """

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0) -> None:
        smoothing = check_float(label_smoothing, "label_smoothing", "CrossEntropy", 0.0, 1.0, low_open=False)
        super().__init__(from_logits)
        self.label_smoothing = smoothing

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        if np.ndim(y_true) == 1 and np.ndim(y_pred) == 2:
            y_true = one_hot(y_true, y_pred.shape[1], y_pred.dtype)
        if self.label_smoothing and np.shape(y_true) == np.shape(y_pred):
            smoothed = _scratch.buffer(self, "smoothed", y_pred.shape, y_pred.dtype)
            np.multiply(y_true, 1.0 - self.label_smoothing, out=smoothed)
            smoothed += self.label_smoothing / y_pred.shape[1]
            y_true = smoothed
        return super().forward(y_pred, y_true)

    def logits_value(self, z: np.ndarray, y: np.ndarray) -> float:
        log_p = np.subtract(z, z.max(axis=1, keepdims=True), out=self.buffer("log_p", z.shape))
        p = np.exp(log_p, out=self.buffer("p", z.shape))  # exponents <= 0: no overflow
        total = p.sum(axis=1, keepdims=True)  # >= 1, so its log is finite
        log_p -= np.log(total)
        p /= total  # softmax(z), kept for the gradient
        return -float(np.vdot(y, log_p)) / z.shape[0]

    def logits_gradient(self, out: np.ndarray) -> np.ndarray:
        y = self._y_true
        np.multiply(self.saved("p"), y.sum(axis=1, keepdims=True), out=out)
        out -= y
        out /= out.shape[0]
        return out

    def probs_value(self, p: np.ndarray, y: np.ndarray) -> float:
        log_p = np.log(self.clipped(p, "clipped"), out=self.buffer("log_p", p.shape))
        return -float(np.vdot(y, log_p)) / p.shape[0]

    def probs_gradient(self, out: np.ndarray) -> np.ndarray:
        np.divide(self._y_true, self.saved("clipped"), out=out)
        out *= -1.0 / out.shape[0]
        return out

    def get_config(self) -> dict:
        return {"from_logits": self.from_logits, "label_smoothing": self.label_smoothing}
