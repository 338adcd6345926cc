"""CSVLogger: one row of epoch logs per line in a CSV file."""

from __future__ import annotations

import csv
import os

from .base import Callback


class CSVLogger(Callback):
    """Append ``epoch`` and every log value to ``filename`` at the end of each epoch.

    The header is written once (from the first epoch's keys). Each row is flushed
    when written, so the file holds every finished epoch even if training is
    interrupted. ``append=True`` continues an existing file (for resumed training).

    Example:
        >>> logger = CSVLogger("training.csv")
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename = os.fspath(filename)
        self.separator = separator
        self.append = append
        self._keys: list[str] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._keys = None
        if not self.append:
            open(self.filename, "w").close()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        new_file = not os.path.exists(self.filename) or os.path.getsize(self.filename) == 0
        if self._keys is None:
            self._keys = ["epoch"] + sorted(logs)
        with open(self.filename, "a", newline="") as f:
            writer = csv.writer(f, delimiter=self.separator)
            if new_file:
                writer.writerow(self._keys)
            writer.writerow([epoch] + [logs.get(key, "") for key in self._keys[1:]])
