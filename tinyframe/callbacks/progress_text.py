"""The text of the progress display: numbers, durations, the bar, and lines that fit a width.

Pure functions (no output, no clock), so the layout is tested on its own.
"""

from __future__ import annotations

import numbers
import shutil

SEPARATOR = " - "
_BAR_WIDTH = 30  # the bar's inside, when there is room
_MIN_BAR_WIDTH = 8  # narrower than this a bar says nothing: it is left out


def format_value(value: float) -> str:
    """4 significant digits, trailing zeros kept (so a redrawn line does not jitter).

    Example:
        >>> [format_value(v) for v in (0.1, 2.28347, 1234.4, 12345.6, 1e-5, float("nan"))]
        ['0.1000', '2.283', '1234', '1.235e+04', '1.000e-05', 'nan']
    """
    text = f"{value:#.4g}"
    return text[:-1] if text.endswith(".") else text


def metric_items(logs: dict | None) -> list[str]:
    """``"name: value"`` for every number in the logs, in their order (not the batch index or size)."""
    return [
        f"{key}: {format_value(value)}"
        for key, value in (logs or {}).items()
        if key not in ("batch", "size") and isinstance(value, numbers.Real) and not isinstance(value, bool)
    ]


def format_seconds(seconds: float) -> str:
    """``"7s"``, ``"2:05"`` or ``"1:02:05"``."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}:{seconds:02d}"
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"


def format_timing(elapsed: float, per_unit: float, unit: str) -> str:
    """Elapsed time and time per unit, as Keras shows them: ``"3s 18ms/step"``."""
    if per_unit >= 1 or per_unit == 0:
        rate = f"{per_unit:.0f}s"
    elif per_unit >= 1e-3:
        rate = f"{per_unit * 1e3:.0f}ms"
    else:
        rate = f"{per_unit * 1e6:.0f}us"
    return f"{format_seconds(elapsed)} {rate}/{unit}"


def terminal_width() -> int | None:
    """The terminal's columns, or None when there is no terminal size (a pipe, a file, ``COLUMNS`` unset)."""
    return shutil.get_terminal_size((0, 0)).columns or None


def wrap(items: list[str], width: int | None) -> list[str]:
    """``items`` joined by " - " into lines of at most ``width`` characters (one line if ``width`` is None).

    Items are never cut: one longer than ``width`` gets a line of its own.

    Example:
        >>> wrap(["5/5", "loss: 1.000", "val_loss: 2.000"], 20)
        ['5/5 - loss: 1.000', 'val_loss: 2.000']
    """
    lines = [items[0]]
    for item in items[1:]:
        joined = lines[-1] + SEPARATOR + item
        if width is None or len(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(item)
    return lines


def bar_lines(counter: str, fraction: float, timing: str, items: list[str], width: int | None) -> list[str]:
    """``"57/57 [=====.....] 3s 18ms/step - loss: 0.1234 - ..."`` in lines of at most ``width``.

    The counter and every item always appear (wrapped to more lines if need be);
    the timing and then the bar take only the room left on the first line.

    Example:
        >>> bar_lines("2/4", 0.5, "1s", ["loss: 1.000"], None)
        ['2/4 [===============...............] 1s - loss: 1.000']
        >>> bar_lines("2/4", 0.5, "1s", ["loss: 1.000"], 20)
        ['2/4 1s - loss: 1.000']
    """
    lines = wrap([counter, *items], width)
    room = None if width is None else width - len(lines[0])
    timing = f" {timing}" if timing and (room is None or len(timing) + 1 <= room) else ""
    inside = _BAR_WIDTH if room is None else min(_BAR_WIDTH, room - len(timing) - 3)
    bar = ""
    if inside >= _MIN_BAR_WIDTH:
        done = round(inside * min(max(fraction, 0.0), 1.0))
        bar = " [" + "=" * done + "." * (inside - done) + "]"
    lines[0] = counter + bar + timing + lines[0][len(counter) :]
    return lines
