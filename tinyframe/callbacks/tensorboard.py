"""TensorBoard: write the epoch logs (and weight histograms) where TensorBoard reads them."""

from __future__ import annotations

import os
from typing import Any

from .._checks import check_positive_int
from .base import Callback

INSTALL = 'pip install "tinyframe[tensorboard]" tensorboard'


class TensorBoard(Callback):
    """Event files for TensorBoard, as Keras writes them: ``log_dir/train`` and ``log_dir/validation``.

    At the end of every epoch, each logged quantity goes in as a scalar named
    ``epoch_<name>``: ``loss`` and the metrics under ``train``, their ``val_`` values
    under ``validation`` with the same names (so TensorBoard draws the two curves in
    one chart), and the optimizer's learning rate as ``epoch_learning_rate`` (the rate
    of the next update; a schedule is read at the current step). The step is the epoch
    number (from 0).

    With ``histogram_freq=k > 0``, every k-th epoch (epochs k-1, 2k-1, ...) also writes a
    histogram of each parameter, ``<layer>/<param>``, and of its gradient,
    ``<layer>/<param>/gradient``: the gradient of the epoch's last batch, which the
    layer still holds (so it costs nothing to compute).

    Written with tensorboardX (an optional extra); view with::

        pip install "tinyframe[tensorboard]" tensorboard
        tensorboard --logdir logs        # then open http://localhost:6006

    Args:
        log_dir: the folder of this run's event files (created if missing).
        histogram_freq: epochs between weight histograms; 0 (default) writes none.

    Example:
        >>> model.fit(X, y, epochs=20, callbacks=[TensorBoard("logs/run1", histogram_freq=1)])  # doctest: +SKIP
    """

    def __init__(self, log_dir: str | os.PathLike = "logs", histogram_freq: int = 0) -> None:
        super().__init__()
        if not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"TensorBoard: log_dir must be a path. Received: log_dir={log_dir!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = check_positive_int(histogram_freq, "histogram_freq", "TensorBoard", allow_zero=True)
        self._writers: dict[str, Any] = {}

    def _writer(self, which: str) -> Any:
        if which not in self._writers:
            try:
                from tensorboardX import SummaryWriter
            except ImportError as error:
                raise ImportError(f"TensorBoard writes with tensorboardX, which is not installed: {INSTALL}") from error
            self._writers[which] = SummaryWriter(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._writer("train")  # a missing tensorboardX is said before the first epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = dict(logs or {})
        rate = logs.pop("learning_rate", None)
        optimizer = getattr(self.model, "optimizer", None)
        if rate is None and optimizer is not None:
            rate = optimizer.learning_rate
        for key, value in logs.items():
            which, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            self._writer(which).add_scalar(f"epoch_{name}", float(value), epoch)
        if rate is not None:
            self._writer("train").add_scalar("epoch_learning_rate", float(rate), epoch)
        if self.histogram_freq and (epoch + 1) % self.histogram_freq == 0:
            self._histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _histograms(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in self.model.layers:
            for name, p in layer.params.items():
                writer.add_histogram(f"{layer.name}/{name}", p, epoch)
                grad = layer.grads.get(name)
                if grad is not None and grad.shape == p.shape:
                    writer.add_histogram(f"{layer.name}/{name}/gradient", grad, epoch)

    def on_train_end(self, logs: dict | None = None) -> None:
        self.release()

    def release(self) -> None:
        """Close the event files, however fit ended (the next fit opens new ones)."""
        writers, self._writers = self._writers, {}
        for writer in writers.values():
            writer.close()
