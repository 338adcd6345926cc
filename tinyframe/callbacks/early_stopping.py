"""EarlyStopping: stop when a monitored quantity stops improving."""

from __future__ import annotations

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
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        restore_best_weights: put back the best epoch's weights at the end.

    Example:
        >>> stop = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        super().__init__()
        self.tracker = Monitor("EarlyStopping", monitor, mode, min_delta)
        self.patience = check_positive_int(patience, "patience", "EarlyStopping", allow_zero=True)
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
        if self.tracker.update(logs[self.tracker.monitor]):
            self.wait, self.best_epoch = 0, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:  # as Keras: stop after `patience` epochs without improvement
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
