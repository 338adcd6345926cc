"""What EarlyStopping and ModelCheckpoint share: watching one logged quantity."""

from __future__ import annotations

import math


class Monitor:
    """Tracks the best value of ``logs[monitor]``; ``mode`` says whether lower or higher is better.

    ``mode="auto"`` means "max" for names containing ``acc`` and "min" otherwise.
    A value improves on the best when it beats it by more than ``min_delta``.
    """

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max'. Received: mode={mode!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.owner, self.monitor, self.mode, self.min_delta = owner, monitor, mode, abs(float(min_delta))
        self.best = math.inf if mode == "min" else -math.inf

    def check_available(self, params: dict) -> None:
        """Raise before training if the monitored key will never be logged."""
        keys = params.get("metrics", [])
        if self.monitor not in keys:
            raise ValueError(
                f"{self.owner}: monitor={self.monitor!r} will not be in the logs; available: {keys}"
                + (" (val_* keys need validation_split or validation_data)" if self.monitor.startswith("val_") else "")
            )

    def reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf

    def improved(self, logs: dict) -> bool:
        """Whether ``logs[monitor]`` beats the best; if so it becomes the best."""
        value = logs[self.monitor]
        better = value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        if better:
            self.best = value
        return better
