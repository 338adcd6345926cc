"""ProgressBar: what `fit(verbose=...)` shows. Added by `fit`, not by users."""

from __future__ import annotations

import math
import sys
import time

from .base import Callback
from .console import Console, is_live, live_width
from .progress_text import bar_lines, format_seconds, format_timing, metric_items, terminal_width, wrap

_REDRAW_SECONDS = 0.1  # a live line is redrawn at most ten times a second
_LOG_SECONDS = 10.0  # full-batch training into a file: a line at most every ten seconds
_clock = time.monotonic  # replaced by tests that need a clock that does not move


class ProgressBar(Callback):
    """What ``fit(verbose=...)`` prints, to ``sys.stdout`` as Keras does.

    ``verbose=1`` on a terminal or in Jupyter, mini-batches: the header ``Epoch 3/10``
    on a line of its own, then a line redrawn in place as the batches run (at most
    ten times a second) that ends as::

        57/57 [==============================] 1s 18ms/step - loss: 0.3120 - accuracy: 0.9050 - val_loss: ...

    The step count and every metric (4 significant digits) are always shown: the
    timing and the bar take only the room the terminal's width leaves, and metrics
    that do not fit go on to the next lines. Full-batch training (one step per epoch,
    the article's) redraws one line over the epochs (``Epoch 1234/3000 [===...] ...``),
    so 3000 iterations do not print 3000 lines; the last epoch is printed in full.

    ``verbose=1`` into a file, a pipe or a terminal of unknown size: no carriage returns, one line
    per epoch, ``Epoch 3/10 - 57/57 - 1s 18ms/step - loss: 0.3120 - ...`` (wrapped at
    the terminal's width when one is known); full-batch training prints the first
    epoch, then a line at most every 10 seconds, and the last epoch.
    ``verbose=2``: that line for every epoch, never wrapped.
    """

    def __init__(self, verbose: int) -> None:
        super().__init__()
        self.verbose = verbose
        self._console: Console | None = None
        self._live = False
        self._last = -math.inf  # when the last live redraw or full-batch log line was written
        self._pending: list[str] | None = None  # full batch: the last epoch's lines, not yet written
        self._train_start = self._epoch_start = 0.0

    @property
    def _full_batch(self) -> bool:
        return self.params["steps"] == 1

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._console = Console(sys.stdout)  # looked up now: redirecting stdout (contextlib, pytest) is followed
        self._live = self.verbose == 1 and is_live(sys.stdout)
        self._last, self._pending = -math.inf, None
        self._train_start = _clock()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start = _clock()
        if self._live and not self._full_batch:
            self._console.end_line()
            self._console.print([f"Epoch {epoch + 1}/{self.params['epochs']}"])

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if not self._live or self._full_batch:
            return
        now = _clock()
        if now - self._last < _REDRAW_SECONDS:
            return
        self._last, step, steps = now, batch + 1, self.params["steps"]
        eta = (now - self._epoch_start) / step * (steps - step)
        eta = f"ETA {format_seconds(eta)}"
        self._console.redraw(bar_lines(_count(step, steps), step / steps, eta, metric_items(logs), live_width())[0])

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        items, now = metric_items(logs), _clock()
        if self.verbose == 2:
            self._console.print(self._log_lines(epoch, items, now, None))
        elif not self._full_batch:
            if self._live:
                steps, seconds = self.params["steps"], now - self._epoch_start
                timing = format_timing(seconds, seconds / steps, "step")
                self._console.finish(bar_lines(_count(steps, steps), 1.0, timing, items, live_width()))
            else:
                self._console.print(self._log_lines(epoch, items, now, terminal_width()))
        elif self._live:
            self._pending = self._full_batch_lines(epoch, items, now)
            if now - self._last >= _REDRAW_SECONDS:
                self._last = now
                self._console.redraw(self._pending[0])
        else:
            self._pending = self._log_lines(epoch, items, now, terminal_width())
            if now - self._last >= _LOG_SECONDS:
                self._last = now
                self._console.print(self._pending)
                self._pending = None

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._pending is not None:  # full batch: the last epoch, in full
            if self._live:
                self._console.finish(self._pending)
            else:
                self._console.print(self._pending)
            self._pending = None
        self.close()

    def close(self) -> None:
        """End a live line left unfinished (`fit` calls this however training ends)."""
        if self._console is not None:
            self._console.end_line()

    def _log_lines(self, epoch: int, items: list[str], now: float, width: int | None) -> list[str]:
        steps, seconds = self.params["steps"], now - self._epoch_start
        timing = format_timing(seconds, seconds / steps, "step")
        return wrap([f"Epoch {epoch + 1}/{self.params['epochs']}", f"{steps}/{steps}", timing, *items], width)

    def _full_batch_lines(self, epoch: int, items: list[str], now: float) -> list[str]:
        first, epochs = self.params["initial_epoch"], self.params["epochs"]
        done, seconds = epoch + 1 - first, now - self._train_start
        counter = f"Epoch {_count(epoch + 1, epochs)}"
        timing = format_timing(seconds, seconds / done, "epoch")
        return bar_lines(counter, done / (epochs - first), timing, items, live_width())


def _count(step: int, steps: int) -> str:
    """``" 7/57"``: right-aligned, so that the line does not shift as the count grows."""
    return f"{step:>{len(str(steps))}}/{steps}"
