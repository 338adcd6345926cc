"""KLDivergence: how far a predicted distribution is from the target one."""

from __future__ import annotations

import numpy as np

from .base import Loss, positions


class KLDivergence(Loss):
    """Kullback-Leibler divergence over the last axis, averaged over the positions (Keras's ``kl_divergence``).

    For ``y_pred`` and ``y_true`` of shape ``(m, d1, ..., k)``, distributions over the
    last axis at each of the ``P = m * d1 * ...`` positions, both clipped to
    ``[eps, 1]`` as in Keras (``eps``: the machine epsilon of the dtype, as in
    `ProbabilisticLoss`)::

        t = clip(y_true, eps, 1)      c = clip(y_pred, eps, 1)
        J = (1/P) sum t * log(t / c)
        dJ/dy_pred = -t / (P c)

    The gradient keeps the clipped denominator also where ``y_pred`` was clipped
    (as the cross-entropies do): an output at 0 still gets a large finite push.
    ``KL(t || q) = CE(t, q) - H(t)``, so for fixed targets it has the gradient of
    the cross-entropy and a floor of 0 at ``q = t``. With ``sample_weight`` ``w``:
    each sample's terms times ``w_s``, still divided by ``P``.

    Example:
        >>> import numpy as np
        >>> y_true = np.array([[0.5, 0.5]])
        >>> round(KLDivergence().forward(np.array([[0.25, 0.75]]), y_true), 6)   # 0.5 log 2 + 0.5 log(2/3)
        0.143841
    """

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        eps = np.finfo(y_pred.dtype).eps
        t = np.clip(y_true, eps, 1, out=self.buffer("t", y_pred.shape))
        c = np.clip(y_pred, eps, 1, out=self.buffer("c", y_pred.shape))
        log_ratio = np.divide(t, c, out=self.buffer("log_ratio", y_pred.shape))  # <= 1/eps: finite
        np.log(log_ratio, out=log_ratio)
        return self.total(t, log_ratio) / positions(y_pred)

    def gradient(self, out: np.ndarray) -> np.ndarray:
        np.divide(self.saved("t"), self.saved("c"), out=out)
        out *= -1.0 / positions(out)
        return out
