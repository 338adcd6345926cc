"""OutputLosses: one loss per output of a model with several outputs, weighted and summed (Keras's compile)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .base import Loss


class OutputLosses(Loss):
    """``J = sum_k w_k * J_k(y_pred[k], y_true[k])``: each output's loss, weighted; backward gives one gradient each.

    What `Model.compile` makes of ``loss=[...]`` or ``loss={name: ...}`` (and of one loss,
    given to every output) for a model of several outputs; ``loss_weights`` are the
    ``w_k`` (1 by default). The gradient of output ``k`` is ``w_k * dJ_k/dy_pred[k]``.
    `values` holds each output's unweighted loss of the last forward, which `fit` reports
    as ``<output>_loss`` (Keras's names). Sample weights apply to every output.

    Example:
        >>> import numpy as np
        >>> from tinyframe.losses import MeanAbsoluteError, MeanSquaredError
        >>> both = OutputLosses([MeanSquaredError(), MeanAbsoluteError()], [1.0, 0.5], ["a", "b"])
        >>> both.forward([np.ones((2, 1)), np.ones((2, 1))], [np.zeros((2, 1)), np.full((2, 1), 3.0)])
        2.0
        >>> both.values
        {'a_loss': 1.0, 'b_loss': 2.0}
    """

    def __init__(self, losses: list[Loss], weights: list[float], names: list[str]) -> None:
        super().__init__()
        self.losses, self.weights, self.names = list(losses), [float(w) for w in weights], list(names)
        self.values: dict[str, float] = {}

    def forward(self, y_pred: Any, y_true: Any, sample_weight: np.ndarray | None = None) -> float:
        if not isinstance(y_pred, list) or not isinstance(y_true, list) or len(y_pred) != len(self.losses):
            raise ValueError(
                f"OutputLosses: expected a list of {len(self.losses)} predictions and of {len(self.losses)} targets, "
                f"one per output {self.names}. Received: {type(y_pred).__name__} and {type(y_true).__name__}"
            )
        values = {}
        total = 0.0
        for name, loss, weight, p, t in zip(self.names, self.losses, self.weights, y_pred, y_true):
            value = loss.forward(p, t) if sample_weight is None else loss.forward(p, t, sample_weight=sample_weight)
            values[f"{name}_loss"] = value
            total += weight * value
        self.values = values
        self._y_pred = y_pred  # backward's "forward first" check
        return total

    def backward(self) -> list[np.ndarray]:
        if self._y_pred is None:
            raise RuntimeError(f"{self!r}: call forward(y_pred, y_true) before backward()")
        grads = []
        for loss, weight in zip(self.losses, self.weights):
            grad = loss.backward()
            if weight != 1.0:
                grad *= weight  # the loss's own array for this call
            grads.append(grad)
        return grads

    def __copy__(self) -> OutputLosses:
        """A copy with its own losses: `evaluate` copies the loss so that calls in several threads do not meet."""
        return OutputLosses([copy.copy(loss) for loss in self.losses], self.weights, self.names)

    def __repr__(self) -> str:
        return f"OutputLosses({self.losses!r}, weights={self.weights}, names={self.names})"
