"""The console: whole lines, one line redrawn in place, and messages that must not run into it."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from .progress_text import terminal_width


class _OpenLine:
    """The stream on which a redrawn line is unfinished, if any, and that line's length."""

    stream: Any = None
    length = 0


def message(text: str) -> None:
    """Print ``text`` on a line of its own on ``sys.stdout``, in place of an unfinished redrawn line.

    What callbacks print with ``verbose=1`` (ReduceLROnPlateau, TerminateOnNaN) goes
    through here; the progress line is drawn again on the next line.
    """
    if _OpenLine.stream is sys.stdout:
        sys.stdout.write("\r" + " " * _OpenLine.length + "\r")
        _OpenLine.stream = None
    print(text, flush=True)


def end_open_line() -> None:
    """End a redrawn line left unfinished, so that what comes next (a warning on stderr) starts on a line of its own.

    For `fit` to call before it warns in the middle of an epoch (DivergenceWarning).
    """
    stream = _OpenLine.stream
    if stream is not None:
        _OpenLine.stream = None
        stream.write("\n")
        stream.flush()


def is_live(stream: TextIO) -> bool:
    """Whether to redraw a line in place: on a terminal whose size is known, or in a Jupyter cell.

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
    """The width for a redrawn line: one column short of the terminal, which some terminals wrap at."""
    width = terminal_width()
    return None if width is None else max(width - 1, 1)


class Console:
    """Writes whole lines to ``stream``, or one line again and again in place (`redraw`) until `end_line`.

    Example:
        >>> import io
        >>> out = io.StringIO(); console = Console(out)
        >>> console.redraw("1/2 ..."); console.redraw("2/2"); console.end_line(); console.print(["done"])
        >>> out.getvalue()
        '\\r1/2 ...\\r2/2    \\ndone\\n'
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._drawn = 0  # length of the redrawn line on screen, which a shorter one must cover

    def write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def print(self, lines: list[str]) -> None:
        self.write("".join(line + "\n" for line in lines))

    def redraw(self, line: str) -> None:
        """Write ``line`` over the unfinished line (cut to the terminal's width)."""
        width = live_width()
        line = line if width is None else line[:width]
        if _OpenLine.stream is not self.stream:  # a new line, or a message ended ours: nothing to cover
            self._drawn = 0
        self.write("\r" + line + " " * max(0, self._drawn - len(line)))
        self._drawn = _OpenLine.length = len(line)
        _OpenLine.stream = self.stream

    def finish(self, lines: list[str]) -> None:
        """Redraw the first of ``lines`` a last time, end it, and print the others below it."""
        self.redraw(lines[0])
        self.end_line()
        self.print(lines[1:])

    def end_line(self) -> None:
        if _OpenLine.stream is self.stream:
            self.write("\n")
            _OpenLine.stream = None
        self._drawn = 0
