"""The console: whole lines, lines drawn in place by tqdm, and messages that must not run into them."""

from __future__ import annotations

import functools
import sys
from typing import Any, ClassVar, TextIO

from .progress_text import BarLine, terminal_width


@functools.cache
def _line_class() -> Any:
    """tqdm's class for a line drawn in place, imported when one is first drawn (``verbose=0`` never pays for it).

    ``tqdm.auto``: a widget in Jupyter (with ipywidgets), ``\\r``-redrawn text elsewhere.
    tqdm's monitor thread is left out: our lines are redrawn by hand, never left waiting.
    """
    from tqdm.auto import tqdm

    class Line(tqdm):
        monitor_interval = 0

    return Line


def _in_widget() -> bool:
    """Whether tqdm draws Jupyter's widget rather than text."""
    return any(cls.__module__ == "tqdm.notebook" for cls in _line_class().__mro__)


def message(text: str) -> None:
    """Print ``text`` on a line of its own on ``sys.stdout``, above the lines drawn in place, if any.

    What callbacks print with ``verbose=1`` (ReduceLROnPlateau, TerminateOnNaN) goes
    through here: tqdm rubs the progress lines out, prints ``text``, and draws them again below it.
    """
    if any(console.stream is sys.stdout for console in Console.drawing):
        _line_class().write(text, file=sys.stdout)
    else:
        print(text, flush=True)


def end_open_line() -> None:
    """End the lines drawn in place, left as they are: what comes next (a warning on stderr) starts a line of its own.

    For `fit` to call before it warns in the middle of an epoch (DivergenceWarning).
    """
    for console in list(Console.drawing):
        console.end_line()


def is_live(stream: TextIO) -> bool:
    """Whether to draw lines in place: on a terminal whose size is known, or in a Jupyter cell.

    A terminal of unknown size (a dumb one, some CI logs) gets whole lines: a carriage
    return may print there as garbage, and a line of unknown width cannot be kept to one row.
    """
    if type(stream).__module__.startswith("ipykernel"):
        return True
    try:
        return bool(stream.isatty()) and terminal_width() is not None
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


def live_width() -> int | None:
    """The width for a line drawn in place: one column short of the terminal, which some terminals wrap at.

    None in Jupyter's widget, which is no terminal row: its line is never wrapped.
    """
    width = terminal_width()
    return None if width is None or _in_widget() else max(width - 1, 1)


def _escaped(text: str) -> str:
    """``text`` as literal text in a tqdm ``bar_format`` (a format string)."""
    return text.replace("{", "{{").replace("}", "}}")


class Console:
    """Writes whole lines to ``stream``, or draws a `BarLine` in place again and again (`redraw`) until `end_line`.

    tqdm draws the bar, and the lines below it on lines of their own.

    Example:
        >>> import io
        >>> from tinyframe.callbacks.progress_text import BarLine
        >>> out = io.StringIO(); console = Console(out)
        >>> console.redraw(BarLine("1/2 |", 4, "| loss: 1.0000", []), 1, 2)
        >>> console.finish(BarLine("2/2 |", 4, "| 1s", []), 2, 2); console.print(["done"])
        >>> out.getvalue()
        '\\r1/2 |##  | loss: 1.0000\\r2/2 |####| 1s          \\ndone\\n'
    """

    drawing: ClassVar[list[Console]] = []  # the consoles with lines drawn in place, which `end_open_line` ends

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lines: list[Any] = []  # tqdm's lines: the bar's, then those below it

    def print(self, lines: list[str]) -> None:
        self.stream.write("".join(line + "\n" for line in lines))
        self.stream.flush()

    def redraw(self, line: BarLine, done: int, total: int | None) -> None:
        """Draw ``line`` in place of the lines drawn before, its bar ``done / total`` full (``total`` None: unknown)."""
        for drawn in self._set(line, done, total):
            drawn.refresh()

    def finish(self, line: BarLine, done: int, total: int) -> None:
        """Draw ``line``'s bar a last time and leave it, then print the lines below it as whole lines."""
        self._set(line._replace(below=[]), done, total)
        self.end_line()
        self.print(line.below)

    def _set(self, line: BarLine, done: int, total: int | None) -> list[Any]:
        """Give tqdm's lines the text of ``line``, adding or rubbing out lines below the bar; those left to redraw."""
        bar = "{bar}" if line.bar_width else ""
        texts = [_escaped(line.before) + bar + _escaped(line.after), *map(_escaped, line.below)]
        widths = [len(line.before) + line.bar_width + len(line.after), *map(len, line.below)]
        while len(self._lines) > len(texts):  # fewer lines than last time: the others are rubbed out
            self._lines.pop().close()
        to_redraw = []
        for position, (text, width) in enumerate(zip(texts, widths)):
            ncols = None if _in_widget() else width  # the exact width: tqdm's bar takes the room the text leaves
            done_here, total_here = (done, total) if position == 0 else (0, None)
            if position == len(self._lines):  # a new line: tqdm draws it at once
                self._lines.append(self._new_line(text, ncols, position, done_here, total_here))
            else:
                drawn = self._lines[position]
                drawn.bar_format, drawn.ncols, drawn.n, drawn.total = text, ncols, done_here, total_here
                to_redraw.append(drawn)
        if self not in Console.drawing:
            Console.drawing.append(self)
        return to_redraw

    def _new_line(self, text: str, ncols: int | None, position: int, done: int, total: int | None) -> Any:
        """A tqdm line: the bar's (position 0) or one of the lines below it."""
        return _line_class()(
            total=total,
            initial=done,
            bar_format=text,
            ncols=ncols,
            file=self.stream,
            position=position,
            leave=position == 0,  # the lines below are rubbed out when they are no longer needed
            dynamic_ncols=False,
        )

    def end_line(self) -> None:
        """Leave the lines drawn in place on the screen as they are, with the cursor below them."""
        if self in Console.drawing:
            Console.drawing.remove(self)
        if not self._lines:
            return
        for drawn in self._lines:
            drawn.leave = True
            drawn.close()  # tqdm draws the line a last time, then ends it
        self._lines = []
        self.stream.flush()  # tqdm does not flush the end of its line
