"""FunctionLoss: Keras's ``compile(loss=fn)`` with ``fn(y_true, y_pred)`` written with `tinyframe.ops`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .base import Loss


class FunctionLoss(Loss):
    """A loss from a function of `tinyframe.ops`: ``J = mean(fn(y_true, y_pred))`` (weighted: ``mean(w * fn)``).

    ``fn`` returns one value per sample (or per position); the mean over them is Keras's
    ``"sum_over_batch_size"``. The ops ``fn`` runs on ``y_pred`` are recorded as they run
    (`tinyframe.layers.recording`) and ``backward`` runs their own backwards in reverse, so
    ``dJ/dy_pred`` is exact without a derivative written by hand. ``y_true`` is a constant.
    An operation the record cannot follow (a NumPy function without an op) is refused, naming
    what to use. A file cannot hold a function: a model compiled with one saves without it
    (``include_optimizer=False``) or not at all.

    Example:
        >>> from tinyframe import ops
        >>> def squared(y_true, y_pred):
        ...     return ops.mean(ops.square(y_pred - y_true), axis=-1)
        >>> loss = FunctionLoss(squared)
        >>> loss.forward(np.array([[1.0, 3.0]]), np.array([[0.0, 0.0]]))
        5.0
        >>> loss.backward()
        array([[1., 3.]])
    """

    def __init__(self, function: Callable[[Any, Any], Any]) -> None:
        super().__init__()
        if not callable(function):
            raise TypeError(f"FunctionLoss: expected a function fn(y_true, y_pred). Received: {function!r}")
        self.function = function
        self.name = getattr(function, "__name__", "loss")

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        from .. import ops
        from ..graph import Graph
        from ..layers.recording import Tape

        tape = Tape(training=False, dtype=y_pred.dtype, rng=None)
        prediction = tape.input(y_pred)
        with tape:
            values = self.function(np.asarray(y_true), prediction)
            if sample_weight is not None:
                w = np.asarray(sample_weight, dtype=y_pred.dtype)
                values = ops.multiply(values, w.reshape(w.shape + (1,) * (np.ndim(values) - 1)))
            total = ops.mean(values)
        self._graph = Graph.recorded([tape.tensor(prediction, "y_pred")], [tape.tensor(total, self.name)], tape.nodes)
        self._records, self._y_pred = tape.records, y_pred
        return float(total)

    def backward(self) -> np.ndarray:
        if self._y_pred is None:
            raise RuntimeError(f"{self!r}: call forward(y_pred, y_true) before backward()")
        graph = self._graph
        (grad,) = graph.backward([np.ones((), self._y_pred.dtype)], graph.plan(input_grad=True), self._records)
        return np.zeros_like(self._y_pred) if grad is None else grad

    def __repr__(self) -> str:
        return f"FunctionLoss({self.name})"
