"""The text of the progress display: numbers, durations, and lines that fit a width.

Pure functions (no output, no clock), so the layout is tested on its own; tqdm draws
the bar in the room `bar_line` leaves for it.
"""

from __future__ import annotations

import numbers
import shutil
from typing import NamedTuple

SEPARATOR = " - "
_MAX_BAR = 30  # the bar, when there is room
_MIN_BAR = 10  # the least bar worth drawing: metrics go on to the next line before the bar gets narrower


def format_value(value: float) -> str:
    """4 decimals, as Keras (fixed, so a redrawn line does not jitter); below 0.001, as Keras, 4 in scientific notation.

    Example:
        >>> [format_value(v) for v in (0.1, 2.28347, 1234.4, 0.0, 0.00012345, float("nan"))]
        ['0.1000', '2.2835', '1234.4000', '0.0000', '1.2345e-04', 'nan']
    """
    return f"{value:.4f}" if value == 0 or abs(value) >= 1e-3 else f"{value:.4e}"


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
    """``items`` joined by " - ": one line if it fits in ``width`` (or if it is None), else lines of at most ``width``.

    As few lines as can be; when that costs no line more, the validation metrics
    (``val_...``) start a line of their own. Items are never cut: one longer than
    ``width`` gets a line of its own.

    Example:
        >>> wrap(["5/5", "loss: 1.0000", "val_loss: 2.0000"], 40)
        ['5/5 - loss: 1.0000 - val_loss: 2.0000']
        >>> wrap(["5/5", "loss: 1.0000", "mae: 0.5000", "val_loss: 2.0000", "val_mae: 0.7000"], 40)
        ['5/5 - loss: 1.0000 - mae: 0.5000', 'val_loss: 2.0000 - val_mae: 0.7000']
        >>> wrap(["5/5", "loss: 1.0000", "mae: 0.5000", "val_loss: 2.0000"], 30)  # apart, it would take 3 lines
        ['5/5 - loss: 1.0000', 'mae: 0.5000 - val_loss: 2.0000']
    """
    if width is None or len(SEPARATOR.join(items)) <= width:
        return [SEPARATOR.join(items)]
    validation = next((i for i, item in enumerate(items) if i and item.startswith("val_")), len(items))
    apart = _fill(items[:validation], width) + (_fill(items[validation:], width) if validation < len(items) else [])
    together = _fill(items, width)
    return apart if len(apart) <= len(together) else together


def _fill(items: list[str], width: int) -> list[str]:
    """``items`` joined by " - ", a new line whenever the next item would pass ``width``."""
    lines = [items[0]]
    for item in items[1:]:
        joined = lines[-1] + SEPARATOR + item
        if len(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(item)
    return lines


class BarLine(NamedTuple):
    """A line with a bar, ``before`` + a bar ``bar_width`` characters wide + ``after``, and the lines ``below`` it."""

    before: str
    bar_width: int
    after: str
    below: list[str]


def bar_line(counter: str, timing: str, items: list[str], width: int | None, bar: bool = True) -> BarLine:
    """``"57/57 |<bar>| 3s 18ms/step - loss: 0.1234 - ..."`` in lines of at most ``width``.

    The counter, the timing and every item always appear, the bar too (unless ``bar``
    is False: a total not known) unless the terminal is too narrow for them on one line:
    items that do not fit go on to the next lines (`wrap`), and the bar takes the room
    left on the first, up to 30.

    Example:
        >>> bar_line("2/4", "ETA 1s", ["loss: 1.0000"], None)
        BarLine(before='2/4 |', bar_width=30, after='| ETA 1s - loss: 1.0000', below=[])
        >>> bar_line("2/4", "ETA 1s", ["loss: 1.0000", "val_loss: 2.0000"], 40)
        BarLine(before='2/4 |', bar_width=12, after='| ETA 1s - loss: 1.0000', below=['val_loss: 2.0000'])
    """
    with_bar = f"{counter} |{' ' * _MIN_BAR}| {timing}"
    heads = (with_bar, f"{counter} {timing}", counter) if bar else (f"{counter} {timing}", counter)
    for head in heads:  # too narrow: the bar goes first, then the timing
        if width is None or len(head) <= width:
            break
    lines = wrap([head, *items], width)
    if head is not with_bar:
        return BarLine(lines[0], 0, "", lines[1:])
    room = _MAX_BAR if width is None else min(_MAX_BAR, _MIN_BAR + width - len(lines[0]))
    return BarLine(f"{counter} |", room, f"| {timing}{lines[0][len(head) :]}", lines[1:])
