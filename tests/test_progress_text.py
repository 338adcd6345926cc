"""The progress display's text and console, piece by piece, against values written out by hand."""

from __future__ import annotations

import io
import re
import sys

import numpy as np
import pytest

from tinyframe.callbacks.console import Console, end_open_line, message
from tinyframe.callbacks.progress_text import (
    BarLine,
    bar_line,
    format_seconds,
    format_timing,
    format_value,
    metric_items,
    wrap,
)


def screen(text: str) -> list[str]:
    """What a terminal shows above its cursor after ``text``, trailing blanks left out.

    ``\\r`` goes back to the first column, ``\\n`` down to the next line's first, tqdm's
    ``ESC[A`` up a line; what is written covers what was there. The text must leave the
    cursor at the start of a line with nothing drawn on it or below it.
    """
    rows, row, column = [""], 0, 0
    for token in re.split(r"(\r|\n|\x1b\[A)", text):
        if token == "\r":
            column = 0
        elif token == "\n":
            row, column = row + 1, 0
            rows += [""] * (row + 1 - len(rows))
        elif token == "\x1b[A":
            row -= 1
        else:
            line = rows[row].ljust(column)
            rows[row] = line[:column] + token + line[column + len(token) :]
            column += len(token)
    assert column == 0 and not "".join(rows[row:]).strip(), (rows, row, column)
    return [line.rstrip() for line in rows[:row]]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1000"),
        (2.28347, "2.2835"),
        (2.28344, "2.2834"),
        (-0.5, "-0.5000"),
        (1234.4, "1234.4000"),
        (12345.6, "12345.6000"),
        (0.001, "0.0010"),
        (0.000123456, "1.2346e-04"),  # below 0.001, as Keras: 4 decimals in scientific notation, not 0.0001
        (-1e-5, "-1.0000e-05"),
        (0.0, "0.0000"),
        (np.float32(0.25), "0.2500"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
    ],
)
def test_four_decimals(value, text):
    assert format_value(value) == text


def test_metric_items_keep_the_numbers_in_order():
    logs = {"batch": 3, "size": 8, "loss": np.float32(0.5), "flag": True, "name": "x", "learning_rate": 1}
    assert metric_items(logs) == ["loss: 0.5000", "learning_rate: 1.0000"]
    assert metric_items(None) == [] and metric_items({}) == []


def test_durations():
    assert [format_seconds(s) for s in (0, 7.9, 59.99, 125, 3725)] == ["0s", "7s", "59s", "2:05", "1:02:05"]
    assert format_timing(3.2, 0.018, "step") == "3s 18ms/step"
    assert format_timing(1.0, 5e-5, "step") == "1s 50us/step"
    assert format_timing(120, 2.0, "epoch") == "2:00 2s/epoch"
    assert format_timing(0.0, 0.0, "step") == "0s 0s/step"


def test_wrap_keeps_items_whole():
    items = ["5/5", "loss: 1.0000", "val_loss: 2.0000"]
    assert wrap(items, None) == ["5/5 - loss: 1.0000 - val_loss: 2.0000"]
    assert wrap(items, 37) == ["5/5 - loss: 1.0000 - val_loss: 2.0000"]  # exactly 37
    assert wrap(items, 36) == ["5/5 - loss: 1.0000", "val_loss: 2.0000"]
    assert wrap(items, 10) == ["5/5", "loss: 1.0000", "val_loss: 2.0000"]  # too long alone: a line each, not cut


def test_wrap_starts_the_validation_metrics_on_a_line_when_that_costs_no_line():
    items = ["5/5", "loss: 1.0000", "mae: 0.5000", "val_loss: 2.0000", "val_mae: 0.7000"]
    # 40: "5/5 - loss: 1.0000 - mae: 0.5000 - val_loss: 2.0000" would fill the first line
    assert wrap(items, 40) == ["5/5 - loss: 1.0000 - mae: 0.5000", "val_loss: 2.0000 - val_mae: 0.7000"]
    # 30: the training metrics need two lines; the validation metrics on lines of their own would make 4
    assert wrap(items, 30) == ["5/5 - loss: 1.0000", "mae: 0.5000 - val_loss: 2.0000", "val_mae: 0.7000"]
    assert wrap(["val_loss: 2.0000", "val_mae: 0.7000"], 20) == ["val_loss: 2.0000", "val_mae: 0.7000"]


def test_bar_line_gives_the_room_left_to_the_bar():
    items = ["loss: 1.0000"]
    assert bar_line("2/4", "ETA 1s", items, None) == BarLine("2/4 |", 30, "| ETA 1s - loss: 1.0000", [])
    # "2/4 |" + a bar of 10 + "| ETA 1s - loss: 1.0000" is 38: 2 columns more make a bar of 12
    assert bar_line("2/4", "ETA 1s", items, 40) == BarLine("2/4 |", 12, "| ETA 1s - loss: 1.0000", [])
    assert bar_line("2/4", "ETA 1s", items, 100) == BarLine("2/4 |", 30, "| ETA 1s - loss: 1.0000", [])
    # 37: the item goes on to the next line before the bar gets narrower than 10
    assert bar_line("2/4", "ETA 1s", items, 37) == BarLine("2/4 |", 24, "| ETA 1s", ["loss: 1.0000"])


def test_bar_line_on_a_narrow_terminal_leaves_out_the_bar_then_the_timing():
    items = ["loss: 1.0000", "val_loss: 2.0000"]
    assert bar_line("2/4", "ETA 1s", items, 23) == BarLine("2/4 |", 10, "| ETA 1s", items)  # the least bar: 10
    assert bar_line("2/4", "ETA 1s", items, 22) == BarLine("2/4 ETA 1s", 0, "", items)
    assert bar_line("2/4", "ETA 1s", items, 8) == BarLine("2/4", 0, "", items)


def test_screen_reads_what_a_terminal_shows():
    assert screen("abc\rX\n") == ["Xbc"]
    assert screen("top\n\rbelow\x1b[A\rTOP\n\r     \r") == ["TOP"]  # the line below rubbed out, the cursor on it
    with pytest.raises(AssertionError):
        screen("unfinished")


def stdout(monkeypatch) -> io.StringIO:
    """A file as ``sys.stdout`` (set in the test: pytest sets its own as the test begins); tqdm draws "#" and digits."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    return out


def test_console_draws_in_place_and_a_message_takes_a_line_above(monkeypatch):
    out = stdout(monkeypatch)
    console = Console(out)
    console.redraw(BarLine("1/3 |", 10, "| ETA 2s - loss: 1.0000", ["accuracy: 0.5000"]), 1, 3)
    assert out.getvalue() == "\r1/3 |###3      | ETA 2s - loss: 1.0000\n\raccuracy: 0.5000\x1b[A"
    message("a message")  # tqdm rubs the lines out, prints the message, draws them again below it
    console.redraw(BarLine("2/3 |", 10, "| ETA 1s - loss: 0.9000", []), 2, 3)  # one line fewer: rubbed out
    console.finish(BarLine("3/3 |", 10, "| 3s - loss: 0.8000", ["val_loss: 0.1000"]), 3, 3)
    console.end_line()  # nothing left drawn: writes nothing
    assert screen(out.getvalue()) == ["a message", "3/3 |##########| 3s - loss: 0.8000", "val_loss: 0.1000"]
    assert Console.drawing == []


def test_braces_in_a_metric_name_are_text(monkeypatch):
    out = stdout(monkeypatch)
    console = Console(out)
    console.finish(BarLine("1/1 |", 10, "| {n} {bar}: 1.0000", []), 1, 1)
    assert screen(out.getvalue()) == ["1/1 |##########| {n} {bar}: 1.0000"]


def test_end_open_line_leaves_the_lines_drawn_and_ends_them(monkeypatch):
    out = stdout(monkeypatch)
    console = Console(out)
    end_open_line()  # nothing drawn: nothing written
    assert out.getvalue() == ""
    console.redraw(BarLine("1/4 |", 10, "| ETA 3s - loss: 1.0000", ["accuracy: 0.5000"]), 1, 4)
    end_open_line()  # what comes next (a warning) starts on a line of its own, below both
    assert out.getvalue().endswith("\n") and Console.drawing == []
    assert screen(out.getvalue()) == ["1/4 |##5       | ETA 3s - loss: 1.0000", "accuracy: 0.5000"]
    console.finish(BarLine("4/4 |", 10, "| 3s", []), 4, 4)  # drawn anew below them
    assert screen(out.getvalue())[2:] == ["4/4 |##########| 3s"]
