"""ProgressBar: what `fit(verbose=...)` shows. Added by `fit`, not by users."""

from __future__ import annotations

import math
import sys
import time

from .base import Callback
from .console import Console, is_live, live_width
from .progress_text import bar_line, format_seconds, format_timing, metric_items, terminal_width, wrap

_REDRAW_SECONDS = 0.1  # a live line is redrawn at most ten times a second
_LOG_SECONDS = 10.0  # full-batch training into a file: a line at most every ten seconds
_clock = time.monotonic  # replaced by tests that need a clock that does not move


class ProgressBar(Callback):
    """What ``fit(verbose=...)`` prints, to ``sys.stdout`` as Keras does.

    ``verbose=1`` on a terminal or in Jupyter, mini-batches: the header ``Epoch 3/10``
    on a line of its own, then a bar drawn by tqdm (``tqdm.auto``: Jupyter's widget in
    a notebook), redrawn at most ten times a second with the ETA and the running value
    of every metric, that ends as::

        57/57 |██████████████████████████████| 1s 18ms/step - loss: 0.3120 - accuracy: 0.9050
        val_loss: 0.3350 - val_accuracy: 0.8950

    Every number is shown, with 4 decimals as in Keras, and never cut: what does not
    fit the terminal's width on the bar's line goes on to the next lines (the
    validation metrics first), and the bar takes the room left, up to 30 columns.
    Full-batch training (one step per epoch, the article's) draws one bar over the
    epochs (``Epoch 1234/3000 |███...| ETA 12s - ...``), so 3000 iterations do not
    print 3000 lines; the last epoch stays on the screen.

    ``verbose=1`` into a file, a pipe or a terminal of unknown size: no carriage returns, one line
    per epoch, ``Epoch 3/10 - 57/57 - 1s 18ms/step - loss: 0.3120 - ...`` (wrapped at
    the terminal's width when one is known); full-batch training prints the first
    epoch, then a line at most every 10 seconds, and the last epoch.
    ``verbose=2``: that line for every epoch, wrapped at the width of a terminal, never in a file.
    """

    def __init__(self, verbose: int) -> None:
        super().__init__()
        self.verbose = verbose
        self._console: Console | None = None
        self._interactive = self._live = False
        self._last = -math.inf  # when the last live redraw or full-batch log line was written
        self._pending: tuple[int, list[str], float] | None = None  # full batch: the last epoch, not yet written
        self._train_start = self._epoch_start = 0.0
        self._steps_done = 0  # in this epoch: the count, when the data's length is not known (a generator)

    @property
    def _full_batch(self) -> bool:
        return self.params["steps"] == 1

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._console = Console(sys.stdout)  # looked up now: redirecting stdout (contextlib, pytest) is followed
        self._interactive = is_live(sys.stdout)  # a terminal of known size, or Jupyter
        self._live = self.verbose == 1 and self._interactive
        self._last, self._pending = -math.inf, None
        self._train_start = _clock()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start, self._steps_done = _clock(), 0
        if self._live and not self._full_batch:
            self._console.end_line()
            self._console.print([f"Epoch {epoch + 1}/{self.params['epochs']}"])

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._steps_done = batch + 1
        if not self._live or self._full_batch:
            return
        now = _clock()
        if now - self._last < _REDRAW_SECONDS:
            return
        self._last, step, steps, seconds = now, batch + 1, self.params["steps"], now - self._epoch_start
        running = metric_items({**(logs or {}), **self.model.get_metrics_result()})  # a batch's logs: its losses
        if steps is None:  # a generator of unknown length: Keras's count, no bar, no ETA
            line = bar_line(f"{step}/Unknown", format_seconds(seconds), running, live_width(), bar=False)
        else:
            eta = f"ETA {format_seconds(seconds / step * (steps - step))}"
            line = bar_line(_count(step, steps), eta, running, live_width())
        self._console.redraw(line, step, steps)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        items, now = metric_items(logs), _clock()
        if self.verbose == 2:
            self._console.print(self._log_lines(epoch, items, now, terminal_width() if self._interactive else None))
        elif not self._full_batch:
            if self._live:
                steps, seconds = self._steps(), now - self._epoch_start
                timing = format_timing(seconds, seconds / steps, "step")
                self._console.finish(bar_line(_count(steps, steps), timing, items, live_width()), steps, steps)
            else:
                self._console.print(self._log_lines(epoch, items, now, terminal_width()))
        else:
            self._pending = epoch, items, now
            if self._live and now - self._last >= _REDRAW_SECONDS:
                self._last = now
                self._console.redraw(*self._full_batch_line(epoch, items, now, final=False))
            elif not self._live and now - self._last >= _LOG_SECONDS:
                self._last, self._pending = now, None
                self._console.print(self._log_lines(epoch, items, now, terminal_width()))

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._pending is not None:  # full batch: the last epoch, in full
            epoch, items, now = self._pending
            if self._live:
                self._console.finish(*self._full_batch_line(epoch, items, now, final=True))
            else:
                self._console.print(self._log_lines(epoch, items, now, terminal_width()))
            self._pending = None
        self.close()

    def close(self) -> None:
        """Leave the lines drawn in place as they are, and end them (`fit` calls this however training ends)."""
        if self._console is not None:
            self._console.end_line()

    def _steps(self) -> int:
        """The steps of the epoch: known from the start, or counted (a generator of unknown length)."""
        return self.params["steps"] or max(self._steps_done, 1)

    def _log_lines(self, epoch: int, items: list[str], now: float, width: int | None) -> list[str]:
        steps, seconds = self._steps(), now - self._epoch_start
        timing = format_timing(seconds, seconds / steps, "step")
        return wrap([f"Epoch {epoch + 1}/{self.params['epochs']}", f"{steps}/{steps}", timing, *items], width)

    def _full_batch_line(self, epoch: int, items: list[str], now: float, final: bool) -> tuple:
        """The bar over the epochs, as `Console.redraw`'s arguments: with the ETA, or the timing if ``final``."""
        first, epochs = self.params["initial_epoch"], self.params["epochs"]
        done, seconds = epoch + 1 - first, now - self._train_start
        if final:
            timing = format_timing(seconds, seconds / done, "epoch")
        else:
            timing = f"ETA {format_seconds(seconds / done * (epochs - first - done))}"
        return bar_line(f"Epoch {_count(epoch + 1, epochs)}", timing, items, live_width()), done, epochs - first


def _count(step: int, steps: int) -> str:
    """``" 7/57"``: right-aligned, so that the line does not shift as the count grows."""
    return f"{step:>{len(str(steps))}}/{steps}"
