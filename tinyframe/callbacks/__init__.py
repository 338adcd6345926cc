"""Callbacks: hooks into `fit` (Keras style)."""

from .base import Callback
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .layer_stats import LayerStats
from .lr_scheduler import LearningRateScheduler
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = [
    "Callback",
    "History",
    "EarlyStopping",
    "LearningRateScheduler",
    "CSVLogger",
    "ReduceLROnPlateau",
    "LambdaCallback",
    "TerminateOnNaN",
    "LayerStats",
    "TensorBoard",
]

from .checkpoint import ModelCheckpoint  # noqa: E402

__all__ += ["ModelCheckpoint"]
