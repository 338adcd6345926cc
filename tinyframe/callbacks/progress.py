"""ProgressBar: what `fit(verbose=...)` shows. Added by `fit`, not by users."""

from __future__ import annotations

import math
import sys
import time
from typing import Any, TextIO

from .base import Callback
from .progress_text import bar_lines, format_seconds, format_timing, metric_items, terminal_width, wrap

_REDRAW_SECONDS = 0.1  # a live line is redrawn at most ten times a second
_LOG_SECONDS = 10.0  # full-batch training into a file: a line at most every ten seconds
_clock = time.monotonic  # replaced by tests that need a clock that does not move


class _OpenLine:
    """The stream on which a live bar left its line unfinished, if any, and that line's length."""

    stream: Any = None
    length = 0


def message(text: str) -> None:
    """Print ``text`` on a line of its own on ``sys.stdout``, in place of a live bar's unfinished line.

    What callbacks print with ``verbose=1`` (ReduceLROnPlateau, TerminateOnNaN) goes
    through here; the bar is drawn again on the next line.
    """
    if _OpenLine.stream is sys.stdout:
        sys.stdout.write("\r" + " " * _OpenLine.length + "\r")
        _OpenLine.stream = None
    print(text, flush=True)


def _is_live(stream: TextIO) -> bool:
    """Whether ``stream`` redraws a line in place after a carriage return: a terminal, or a Jupyter cell."""
    if type(stream).__module__.startswith("ipykernel"):
        return True
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


class ProgressBar(Callback):
    """What ``fit(verbose=...)`` prints, to ``sys.stdout`` as Keras does (or to ``file``).

    ``verbose=1`` on a terminal or in Jupyter, mini-batches: the header ``Epoch 3/10``
    on a line of its own, then a line redrawn in place as the batches run (at most
    ten times a second) that ends as::

        57/57 [==============================] 1s 18ms/step - loss: 0.3120 - accuracy: 0.9050 - val_loss: ...

    The step count and every metric (4 significant digits) are always shown: the
    timing and the bar take only the room the terminal's width leaves, and metrics
    that do not fit go on to the next lines. Full-batch training (one step per epoch,
    the article's) redraws one line over the epochs (``Epoch 1234/3000 [===...] ...``),
    so 3000 iterations do not print 3000 lines; the last epoch is printed in full.

    ``verbose=1`` into a file or a pipe (no terminal): no carriage returns, one line
    per epoch, ``Epoch 3/10 - 57/57 - 1s 18ms/step - loss: 0.3120 - ...`` (wrapped at
    the terminal's width when one is known); full-batch training prints the first
    epoch, then a line at most every 10 seconds, and the last epoch.
    ``verbose=2``: that line for every epoch, never wrapped.
    """

    def __init__(self, verbose: int, file: TextIO | None = None) -> None:
        super().__init__()
        self.verbose = verbose
        self.file = file
        self._stream: Any = None
        self._live = False
        self._drawn = 0  # length of the live line on screen, which a shorter redraw must cover
        self._last = -math.inf  # when the last live redraw or full-batch log line was written
        self._pending: list[str] | None = None  # full batch: the last epoch's lines, not yet written
        self._train_start = self._epoch_start = 0.0

    @property
    def _full_batch(self) -> bool:
        return self.params["steps"] == 1

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._stream = self.file if self.file is not None else sys.stdout
        self._live = self.verbose == 1 and _is_live(self._stream)
        self._drawn, self._last, self._pending = 0, -math.inf, None
        self._train_start = _clock()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start = _clock()
        if self._live and not self._full_batch:
            self._end_line()
            self._write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if not self._live or self._full_batch:
            return
        now = _clock()
        if now - self._last < _REDRAW_SECONDS:
            return
        self._last, step, steps = now, batch + 1, self.params["steps"]
        eta = (now - self._epoch_start) / step * (steps - step)
        eta = f"ETA {format_seconds(eta)}"
        self._redraw(bar_lines(_count(step, steps), step / steps, eta, metric_items(logs), self._live_width())[0])

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        items, now = metric_items(logs), _clock()
        if self.verbose == 2:
            self._print(self._log_lines(epoch, items, now, None))
        elif not self._full_batch:
            if self._live:
                steps, seconds = self.params["steps"], now - self._epoch_start
                timing = format_timing(seconds, seconds / steps, "step")
                self._finish(bar_lines(_count(steps, steps), 1.0, timing, items, self._live_width()))
            else:
                self._print(self._log_lines(epoch, items, now, terminal_width()))
        elif self._live:
            self._pending = self._full_batch_lines(epoch, items, now)
            if now - self._last >= _REDRAW_SECONDS:
                self._last = now
                self._redraw(self._pending[0])
        else:
            self._pending = self._log_lines(epoch, items, now, terminal_width())
            if now - self._last >= _LOG_SECONDS:
                self._last = now
                self._print(self._pending)
                self._pending = None

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._pending is not None:  # full batch: the last epoch, in full
            if self._live:
                self._finish(self._pending)
            else:
                self._print(self._pending)
            self._pending = None
        self.close()

    def close(self) -> None:
        """End a live line left unfinished (`fit` calls this however training ends)."""
        self._end_line()

    def _log_lines(self, epoch: int, items: list[str], now: float, width: int | None) -> list[str]:
        steps, seconds = self.params["steps"], now - self._epoch_start
        timing = format_timing(seconds, seconds / steps, "step")
        return wrap([f"Epoch {epoch + 1}/{self.params['epochs']}", f"{steps}/{steps}", timing, *items], width)

    def _full_batch_lines(self, epoch: int, items: list[str], now: float) -> list[str]:
        first, epochs = self.params["initial_epoch"], self.params["epochs"]
        done, seconds = epoch + 1 - first, now - self._train_start
        counter = f"Epoch {_count(epoch + 1, epochs)}"
        timing = format_timing(seconds, seconds / done, "epoch")
        return bar_lines(counter, done / (epochs - first), timing, items, self._live_width())

    def _live_width(self) -> int | None:
        # One column short of the terminal: some terminals wrap as soon as the last column is written.
        width = terminal_width()
        return None if width is None else max(width - 1, 1)

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()

    def _print(self, lines: list[str]) -> None:
        self._write("".join(line + "\n" for line in lines))

    def _redraw(self, line: str) -> None:
        width = self._live_width()
        line = line if width is None else line[:width]
        if _OpenLine.stream is not self._stream:  # a message ended the line: nothing left to cover
            self._drawn = 0
        self._write("\r" + line + " " * max(0, self._drawn - len(line)))
        self._drawn = _OpenLine.length = len(line)
        _OpenLine.stream = self._stream

    def _finish(self, lines: list[str]) -> None:
        self._redraw(lines[0])
        self._end_line()
        self._print(lines[1:])

    def _end_line(self) -> None:
        if _OpenLine.stream is self._stream and self._stream is not None:
            self._write("\n")
            _OpenLine.stream = None
        self._drawn = 0


def _count(step: int, steps: int) -> str:
    """``" 7/57"``: right-aligned, so that the line does not shift as the count grows."""
    return f"{step:>{len(str(steps))}}/{steps}"
