"""ModelCheckpoint: save the model during training."""

from __future__ import annotations

import os

from .._checks import check_positive_int
from .base import Callback
from .monitor import Monitor


class ModelCheckpoint(Callback):
    """Save the model at the end of every epoch, or only when ``monitor`` improves.

    The file is written with `Sequential.save`, atomically, so an interrupted save
    never damages the previous checkpoint. ``{epoch}`` in ``filepath`` becomes the
    number of finished epochs (1 after the first, as in Keras), which is also the
    ``initial_epoch`` to resume from; log keys work too (``"ckpt-{epoch:03d}-{val_loss:.3f}.npz"``).
    Missing folders are created.

    Args:
        filepath: where to save; may contain ``{epoch}`` and ``{<log key>}`` fields.
        monitor: the log key that decides what is best (with ``save_best_only``).
        save_best_only: save only when ``monitor`` beats its best value so far.
        save_weights_only: save without the loss, optimizer state and metrics
            (``model.save(path, include_optimizer=False)``): a smaller file that
            `tinyframe.load_model` and ``model.load_weights`` both read, but from
            which training cannot resume exactly.
        mode: ``"auto"``, ``"min"`` or ``"max"``: whether lower or higher ``monitor`` is better.
        verbose: 1 prints a line per epoch as Keras does (``Epoch 3: val_loss improved from
            0.90000 to 0.50000, saving model to best.npz``).

    Example:
        >>> best = ModelCheckpoint("best.npz", monitor="val_loss", save_best_only=True)
        >>> every = ModelCheckpoint("ckpt-{epoch}.npz")
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        verbose: int = 0,
    ) -> None:
        super().__init__()
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(f"ModelCheckpoint: filepath must be a str or os.PathLike. Received: {filepath!r}")
        self.filepath = os.fspath(filepath)
        self.tracker = Monitor("ModelCheckpoint", monitor, mode)
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.verbose = check_positive_int(verbose, "verbose", "ModelCheckpoint", allow_zero=True)
        self.saved: list[str] = []  # paths written during the last fit, in order

    def on_train_begin(self, logs: dict | None = None) -> None:
        # Fail before training, not after the first epoch: the monitor and every
        # field of the path must be known.
        if self.save_best_only:
            self.tracker.check_available(self.params)
        self._path(0, dict.fromkeys(self.params.get("metrics", []), 0.0))
        self.tracker.reset()
        self.saved = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        path = self._path(epoch, logs)
        if self.save_best_only:
            monitor, before, current = self.tracker.monitor, self.tracker.best, logs[self.tracker.monitor]
            if not self.tracker.update(current):
                self._say(f"Epoch {epoch + 1}: {monitor} did not improve from {before:.5f}")
                return
            improved = f"{monitor} improved from {before:.5f} to {current:.5f}"
            self._say(f"Epoch {epoch + 1}: {improved}, saving model to {path}")
        else:
            self._say(f"Epoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self.model.save(path, include_optimizer=not self.save_weights_only)
        self.saved.append(path)

    def _say(self, line: str) -> None:
        if self.verbose:
            print(line)

    def _path(self, epoch: int, logs: dict) -> str:
        try:
            return self.filepath.format(**{**logs, "epoch": epoch + 1})
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"ModelCheckpoint: filepath {self.filepath!r} cannot be filled in ({type(error).__name__}: {error}); "
                f"available fields: {['epoch', *sorted(logs)]}"
            ) from None
