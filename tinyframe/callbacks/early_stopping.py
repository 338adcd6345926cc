"""EarlyStopping: stop when a monitored quantity stops improving."""

from __future__ import annotations

import numbers

from .._checks import check_positive_int
from .base import Callback
from .monitor import Monitor


class EarlyStopping(Callback):
    """Stop training after ``patience`` epochs without improvement of ``monitor``.

    With ``restore_best_weights=True`` the weights of the best epoch are put back
    when training ends, whether patience ran out *or the epochs did* (Keras restores
    only in the first case, keras#12511, which surprises users).

    Args:
        monitor: a key of the epoch logs, ``"val_loss"`` by default.
        min_delta: smallest change that counts as an improvement.
        patience: epochs without improvement after which training stops (0: at the first).
        verbose: 1 prints ``Epoch 7: early stopping`` and, when restoring, the best epoch.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        baseline: a value the monitored quantity must beat: until it does, improvements
            do not reset the patience count (Keras's rule).
        restore_best_weights: put back the best epoch's weights at the end.
        start_from_epoch: epochs to train before watching (a warm-up); 0 by default.

    Patience counts as Keras 3 counts: every watched epoch adds one, an improvement that
    also beats ``baseline`` (when given) resets the count, and training stops at an
    epoch without improvement once the count reaches ``patience``.

    Example:
        >>> stop = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__()
        self.tracker = Monitor("EarlyStopping", monitor, mode, min_delta)
        self.patience = check_positive_int(patience, "patience", "EarlyStopping", allow_zero=True)
        self.verbose = check_positive_int(verbose, "verbose", "EarlyStopping", allow_zero=True)
        if baseline is not None and (isinstance(baseline, bool) or not isinstance(baseline, numbers.Real)):
            raise TypeError(f"EarlyStopping: baseline must be a number or None. Received: {baseline!r}")
        self.baseline = baseline
        self.start_from_epoch = check_positive_int(start_from_epoch, "start_from_epoch", "EarlyStopping", True)
        self.restore_best_weights = restore_best_weights
        self.wait = 0
        self.best_epoch: int | None = None
        self.best_weights = None
        self.stopped_epoch: int | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.tracker.check_available(self.params)
        self.tracker.reset()
        self.wait, self.best_epoch, self.best_weights, self.stopped_epoch = 0, None, None, None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch < self.start_from_epoch:
            return
        current = logs[self.tracker.monitor]
        self.wait += 1
        if self.tracker.update(current):
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.tracker.beats(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience:  # as Keras: stop after `patience` epochs without improvement
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch is not None and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
