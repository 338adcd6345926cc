"""ProbabilisticLoss: what the cross-entropies share, the ``from_logits`` switch and the log(0) guard."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Loss


class ProbabilisticLoss(Loss):
    """A loss that reads the model's outputs either as logits or as probabilities.

    Subclasses implement the two readings as two matched pairs of kernels:

    * ``logits_value(z, y) -> float`` / ``logits_gradient(out) -> out``: the stable
      route, computed from the raw scores ``z`` without ever forming ``log(p)``;
    * ``probs_value(p, y) -> float`` / ``probs_gradient(out) -> out``: for a model
      that ends in `Softmax` or `Sigmoid`. ``log`` is taken of ``clip(p)``, see below.

    With ``from_logits=False`` the outputs must lie in ``[0, 1]``; anything else is a
    ValueError that suggests ``from_logits=True``, so feeding logits to the
    probability reading fails loudly instead of training on a wrong loss.

    ``clip(p) = max(p, eps)`` with ``eps`` the machine epsilon of the dtype (about
    1.2e-7 in float32, Keras's clip value; 2.2e-16 in float64), so ``log(0)`` is
    never taken. In the gradient the same ``max(p, eps)`` is the denominator, also
    where ``p`` was clipped: a confidently wrong output still gets a large finite
    push (as PyTorch's ``BCELoss`` does) rather than a zero gradient.
    """

    def __init__(self, from_logits: bool = False) -> None:
        super().__init__()
        if not isinstance(from_logits, (bool, np.bool_)):
            raise TypeError(f"{type(self).__name__}: from_logits must be True or False. Received: {from_logits!r}")
        self.from_logits = bool(from_logits)

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        if not self.from_logits and y_pred.size and (y_pred.min() < 0 or y_pred.max() > 1):
            raise ValueError(
                f"{self!r} expects probabilities in [0, 1]. Received: values from {y_pred.min():.4g} to "
                f"{y_pred.max():.4g}. If the last layer outputs raw scores (logits), use from_logits=True"
            )
        return super().forward(y_pred, y_true, sample_weight)

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        if self.from_logits:
            return self.logits_value(y_pred, y_true)
        return self.probs_value(y_pred, y_true)

    def gradient(self, out: np.ndarray) -> np.ndarray:
        return self.logits_gradient(out) if self.from_logits else self.probs_gradient(out)

    def clipped(self, p: np.ndarray, name: str) -> np.ndarray:
        """``max(p, eps)`` in the buffer ``name``: safe for ``log`` and for division."""
        return np.maximum(p, np.finfo(p.dtype).eps, out=self.buffer(name, p.shape))

    def logits_value(self, z: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def logits_gradient(self, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def probs_value(self, p: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def probs_gradient(self, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits}
