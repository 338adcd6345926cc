"""TerminateOnNaN: Keras's guard against a NaN loss, which tinyframe's fit already is."""

from __future__ import annotations

import math

from .base import Callback
from .console import message


class TerminateOnNaN(Callback):
    """Set ``model.stop_training`` when a batch's logged loss is NaN or infinite (Keras's semantics).

    Accepted so that Keras code runs unchanged. tinyframe's `fit` needs no callback
    for this: a step whose loss (or update) is not finite is not applied, and
    training stops at once with a `tinyframe.DivergenceWarning`, the weights those
    of the last finite step. That happens before the batch is logged, so during
    `fit` this callback sees finite losses only and never acts; if it does see a
    NaN or infinite ``logs["loss"]`` (a loop that calls hooks itself), it prints
    ``Batch 3: Invalid loss, terminating training`` and sets ``model.stop_training
    = True``, which `fit` reads after the epoch. Beside fit's own stop, a no-op.

    Example:
        >>> model.fit(X, y, epochs=10, callbacks=[TerminateOnNaN()])  # doctest: +SKIP
    """

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            message(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
