"""ReduceLROnPlateau: lower the learning rate when a monitored quantity stops improving."""

from __future__ import annotations

import numbers

from .._checks import check_float, check_positive_int
from .base import Callback
from .console import message
from .monitor import Monitor


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement (Keras 3's rule).

    At the end of each epoch the rate used in it is logged as ``learning_rate``
    (as `LearningRateScheduler` does), then ``logs[monitor]`` is compared with the
    best value so far (`Monitor`: it improves by beating the best by more than
    ``min_delta``, lower is better unless ``mode`` or an ``acc`` name says higher).
    Each epoch without improvement adds one to a wait count; when it reaches
    ``patience`` and ``lr > min_lr``::

        new_lr = max(lr * factor, min_lr)

    is written to ``model.optimizer.learning_rate``, the wait count restarts, and for
    the next ``cooldown`` epochs no epoch counts towards patience (an improvement
    still becomes the best). As in Keras, the epoch on which the cooldown runs out
    counts again, so ``patience=1, cooldown=c`` lowers the rate every ``c`` epochs
    of a plateau (every epoch for ``c`` of 0 or 1). If ``monitor`` is not in an epoch's
    logs, a warning names the keys that are, and the rate is left alone.

    Args:
        monitor: the log key to watch, ``"val_loss"`` by default.
        factor: the multiplier, in (0, 1).
        patience: epochs without improvement before the rate is lowered.
        verbose: 1 prints ``Epoch 7: ReduceLROnPlateau reducing learning rate to 0.05.``
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        min_delta: the smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the rate is never lowered below this.

    The optimizer's ``learning_rate`` must be a number it lets us set; an optimizer
    whose rate comes from a schedule refuses (TypeError, naming this callback).

    Example:
        >>> reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=0.001)
        >>> model.fit(X, y, epochs=100, validation_split=0.2, callbacks=[reduce_lr])  # doctest: +SKIP
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        super().__init__()
        owner = "ReduceLROnPlateau"
        self.factor = check_float(factor, "factor", owner, 0.0, 1.0, high_open=True)
        self.patience = check_positive_int(patience, "patience", owner, allow_zero=True)
        self.verbose = check_positive_int(verbose, "verbose", owner, allow_zero=True)
        min_delta = check_float(min_delta, "min_delta", owner, low_open=False)
        self.cooldown = check_positive_int(cooldown, "cooldown", owner, allow_zero=True)
        self.min_lr = check_float(min_lr, "min_lr", owner, low_open=False, high_open=True)
        self.tracker = Monitor(owner, monitor, mode, min_delta)
        self.wait = self.cooldown_counter = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.tracker.reset()
        self.wait = self.cooldown_counter = 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        optimizer = self.model.optimizer
        lr = optimizer.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise TypeError(
                f"ReduceLROnPlateau needs a number as the learning rate; {type(optimizer).__name__}.learning_rate "
                f"is {lr!r}"
            )
        if logs is not None:
            logs["learning_rate"] = lr
        current = self.tracker.value(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.tracker.update(current):
            self.wait = 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and lr > self.min_lr:
                self._set_rate(optimizer, max(lr * self.factor, self.min_lr), epoch)
                self.cooldown_counter, self.wait = self.cooldown, 0

    def _set_rate(self, optimizer, lr: float, epoch: int) -> None:
        try:
            optimizer.learning_rate = lr
        except TypeError as error:  # e.g. a rate that a schedule object computes
            raise TypeError(
                f"ReduceLROnPlateau cannot set the learning rate of {type(optimizer).__name__}: {error}"
            ) from error
        if self.verbose:
            message(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {lr}.")
