"""What EarlyStopping, ModelCheckpoint and ReduceLROnPlateau share: watching one logged quantity."""

from __future__ import annotations

import math
import warnings


class Monitor:
    """Tracks the best value of ``logs[monitor]``; ``mode`` says whether lower or higher is better.

    ``mode="auto"`` means "max" for names containing ``acc`` and "min" otherwise (as
    Keras decides). A value improves on the best when it beats it by more than
    ``min_delta``: ``value < best - min_delta`` ("min") or ``value > best + min_delta`` ("max").

    Example:
        >>> tracker = Monitor("EarlyStopping", "val_loss", "auto", min_delta=0.1)
        >>> tracker.update(1.0), tracker.update(0.95), tracker.update(0.8), tracker.best
        (True, False, True, 0.8)
    """

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        if not isinstance(monitor, str):
            raise TypeError(f"{owner}: monitor must be the name of a logged quantity (a str). Received: {monitor!r}")
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

    def value(self, logs: dict | None) -> float | None:
        """``logs[monitor]``, or None with a warning that names the keys the logs do hold (as Keras warns)."""
        logs = logs or {}
        if self.monitor in logs:
            return logs[self.monitor]
        warnings.warn(
            f"{self.owner}: monitor={self.monitor!r} is not in the epoch logs, so this epoch is skipped; "
            f"available: {sorted(logs)}",
            stacklevel=3,
        )
        return None

    def beats(self, value: float, reference: float) -> bool:
        """Whether ``value`` is better than ``reference`` by more than ``min_delta``."""
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta

    def update(self, value: float) -> bool:
        """Make ``value`` the best if it beats the best by more than ``min_delta``; returns whether it did."""
        better = self.beats(value, self.best)
        if better:
            self.best = value
        return better
