"""ProgressBar: what `fit(verbose=...)` shows. Added by `fit`, not by users."""

from __future__ import annotations

import time

from .base import Callback

_REFRESH_SECONDS = 0.5  # at most two redraws a second: a bar must not flood a log


def format_logs(logs: dict) -> str:
    return " - ".join(f"{key}: {value:.4g}" for key, value in logs.items() if isinstance(value, float))


class ProgressBar(Callback):
    """``verbose=1``: a tqdm bar (``tqdm.auto``, so also in Jupyter); ``verbose=2``: a line per epoch.

    With one batch per epoch (full-batch training, the article's), one bar runs over
    the epochs, so 3000 iterations draw one bar, not 3000. With mini-batches, each
    epoch gets a bar over its batches. The running loss is shown beside the bar,
    updated at most every half second.
    """

    def __init__(self, verbose: int) -> None:
        super().__init__()
        self.verbose = verbose
        self.bar = None
        self._last = 0.0

    def _open(self, total: int, desc: str) -> None:
        from tqdm.auto import tqdm  # imported here: nothing pays for tqdm until it draws

        self.bar = tqdm(total=total, desc=desc, mininterval=_REFRESH_SECONDS, leave=True, dynamic_ncols=True)
        self._last = time.monotonic()

    def _postfix(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= _REFRESH_SECONDS:
            self._last = now
            self.bar.set_postfix_str(text, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    @property
    def _per_epoch(self) -> bool:
        return self.params["steps"] > 1

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.verbose == 1 and not self._per_epoch:
            self._open(self.params["epochs"] - self.params["initial_epoch"], "Training")

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self.verbose == 1 and self._per_epoch:
            self._open(self.params["steps"], f"Epoch {epoch + 1}/{self.params['epochs']}")

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.bar is not None and self._per_epoch:
            self.bar.update(1)
            self._postfix(f"loss: {logs['loss']:.4g}")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.verbose == 2:
            print(f"Epoch {epoch + 1}/{self.params['epochs']} - {format_logs(logs)}", flush=True)
        elif self._per_epoch:
            self._postfix(format_logs(logs), force=True)
            self.close()
        else:
            self.bar.update(1)
            self._postfix(format_logs(logs), force=epoch + 1 == self.params["epochs"])

    def on_train_end(self, logs: dict | None = None) -> None:
        self.close()
