"""LearningRateScheduler: set the optimizer's learning rate at each epoch."""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable

from .._checks import check_positive_int
from .base import Callback


class LearningRateScheduler(Callback):
    """Call ``schedule(epoch, lr) -> new_lr`` (or ``schedule(epoch)``) before each epoch.

    The new rate is written to ``model.optimizer.learning_rate`` and logged as
    ``learning_rate`` at the end of the epoch; ``verbose=1`` prints it, as Keras does.

    Example:
        >>> halve = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch % 10 == 9 else lr)
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        self.verbose = check_positive_int(verbose, "verbose", "LearningRateScheduler", allow_zero=True)
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable. Received: {schedule!r}")
        self.schedule = schedule
        try:
            self._takes_lr = len(inspect.signature(schedule).parameters) >= 2
        except (TypeError, ValueError):  # builtins without a signature
            self._takes_lr = True

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        optimizer = self.model.optimizer
        lr = self.schedule(epoch, optimizer.learning_rate) if self._takes_lr else self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise TypeError(f"LearningRateScheduler: schedule({epoch}) must return a number. Received: {lr!r}")
        try:
            optimizer.learning_rate = lr  # a TypeError (an optimizer made with a schedule object) passes through
        except ValueError as error:
            raise ValueError(f"LearningRateScheduler: schedule({epoch}) gave an invalid rate: {error}") from None
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs["learning_rate"] = self.model.optimizer.learning_rate
