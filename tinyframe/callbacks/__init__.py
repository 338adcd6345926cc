"""Callbacks: hooks into `fit` (Keras style)."""

from .base import Callback
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .lr_scheduler import LearningRateScheduler

__all__ = ["Callback", "History", "EarlyStopping", "LearningRateScheduler", "CSVLogger"]

from .checkpoint import ModelCheckpoint  # noqa: E402

__all__ += ["ModelCheckpoint"]
