"""BinaryCrossEntropy: independent yes/no outputs, from logits (stable) or probabilities."""

from __future__ import annotations

import numpy as np

from .probabilistic import ProbabilisticLoss


class BinaryCrossEntropy(ProbabilisticLoss):
    """Binary cross-entropy, averaged over all ``N = m * d1 * ... * k`` outputs (Keras's meaning).

    ``y_true`` holds targets in ``[0, 1]`` of the prediction's shape ``(m, d1, ..., k)``:
    each output is its own two-class problem (a single sigmoid output, or
    multi-label outputs). Keras averages over the last axis, then over the
    positions: the mean over all ``N`` outputs::

        J = -(1/N) sum [ y log p + (1 - y) log(1 - p) ]

    ``from_logits=True``: ``y_pred`` holds raw scores ``z`` with ``p = sigmoid(z)``;
    the terms are rewritten so nothing overflows or takes ``log(0)``::

        -[y log p + (1 - y) log(1 - p)] = max(z, 0) - z * y + log(1 + exp(-|z|))
        dJ/dz = (sigmoid(z) - y) / N          sigmoid from the same exp(-|z|) <= 1

    That is the sigmoid and the loss fused into one gradient; the model then ends
    in `Dense`, not `Sigmoid`. The metric ``"accuracy"`` thresholds one output at
    0.5, which suits probabilities; with logits, ``predict(X) >= 0`` is the class.

    ``from_logits=False`` (the default, as in Keras): ``y_pred`` are probabilities,
    say from a final `Sigmoid`; ``p`` and ``1 - p`` are clipped as in `ProbabilisticLoss`::

        dJ/dp = -(y / clip(p) - (1 - y) / clip(1 - p)) / N

    With ``sample_weight`` ``w`` (shape ``(m,)``): each sample's terms times ``w_s``,
    still divided by ``N``.

    Args:
        from_logits: whether ``y_pred`` are logits (True) or probabilities (False).

    Example:
        >>> import numpy as np
        >>> loss = BinaryCrossEntropy(from_logits=True)
        >>> round(loss.forward(np.array([[0.0], [1e4]]), np.array([[1.0], [1.0]])), 6)   # log(2) / 2
        0.346574
    """

    def logits_value(self, z: np.ndarray, y: np.ndarray) -> float:
        e = np.abs(z, out=self.buffer("exp", z.shape))
        np.negative(e, out=e)
        np.exp(e, out=e)  # exp(-|z|) in (0, 1]: kept for the gradient
        terms = np.maximum(z, 0, out=self.buffer("terms", z.shape))
        work = np.multiply(z, y, out=self.buffer("work", z.shape))
        terms -= work
        terms += np.log1p(e, out=work)
        return self.total(terms) / z.size

    def logits_gradient(self, out: np.ndarray) -> np.ndarray:
        e = self.saved("exp")
        np.add(e, 1, out=out)
        np.divide(1, out, out=out)  # sigmoid(|z|) = 1 / (1 + exp(-|z|)); divide is SIMD, reciprocal is not
        np.multiply(out, e, out=out, where=self._y_pred < 0)  # sigmoid(z) = exp(z) / (1 + exp(z)) for z < 0
        out -= self._y_true
        out /= out.size
        return out

    def probs_value(self, p: np.ndarray, y: np.ndarray) -> float:
        not_y = np.subtract(1, y, out=self.buffer("not_y", p.shape))
        not_p = np.subtract(1, p, out=self.buffer("not_p", p.shape))
        log_terms = np.log(self.clipped(p, "clipped"), out=self.buffer("log", p.shape))
        total = self.total(y, log_terms)
        np.log(self.clipped(not_p, "clipped_not_p"), out=log_terms)
        total += self.total(not_y, log_terms)
        return -total / p.size

    def probs_gradient(self, out: np.ndarray) -> np.ndarray:
        np.divide(self._y_true, self.saved("clipped"), out=out)
        work = np.divide(self.saved("not_y"), self.saved("clipped_not_p"), out=self.saved("log"))
        out -= work
        out *= -1.0 / out.size
        return out
