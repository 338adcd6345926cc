"""History: what `fit` returns."""

from __future__ import annotations

from .base import Callback


class History(Callback):
    """Per-epoch logs, as Keras keeps them.

    ``history.history`` maps each key (``loss``, ``val_loss``, each metric) to a list
    with one value per epoch; ``history.epoch`` lists the epoch numbers.

    Example:
        >>> h = History(); h.on_train_begin(); h.on_epoch_end(0, {"loss": 0.5})
        >>> h.history, h.epoch
        ({'loss': [0.5]}, [0])
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.history, self.epoch = {}, []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
