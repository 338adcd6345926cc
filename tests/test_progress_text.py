"""The progress display's text and console, piece by piece, against values written out by hand."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from tinyframe.callbacks.console import Console, end_open_line, message
from tinyframe.callbacks.progress_text import bar_lines, format_seconds, format_timing, format_value, metric_items, wrap


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1000"),
        (2.28347, "2.283"),
        (2.28351, "2.284"),
        (-0.5, "-0.5000"),
        (1234.4, "1234"),
        (12345.6, "1.235e+04"),
        (0.000123456, "0.0001235"),
        (1e-5, "1.000e-05"),
        (0.0, "0.000"),
        (np.float32(0.25), "0.2500"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
    ],
)
def test_four_significant_digits(value, text):
    assert format_value(value) == text


def test_metric_items_keep_the_numbers_in_order():
    logs = {"batch": 3, "size": 8, "loss": np.float32(0.5), "flag": True, "name": "x", "learning_rate": 1}
    assert metric_items(logs) == ["loss: 0.5000", "learning_rate: 1.000"]
    assert metric_items(None) == [] and metric_items({}) == []


def test_durations():
    assert [format_seconds(s) for s in (0, 7.9, 59.99, 125, 3725)] == ["0s", "7s", "59s", "2:05", "1:02:05"]
    assert format_timing(3.2, 0.018, "step") == "3s 18ms/step"
    assert format_timing(1.0, 5e-5, "step") == "1s 50us/step"
    assert format_timing(120, 2.0, "epoch") == "2:00 2s/epoch"
    assert format_timing(0.0, 0.0, "step") == "0s 0s/step"


def test_wrap_keeps_items_whole():
    items = ["5/5", "loss: 1.000", "val_loss: 2.000"]
    assert wrap(items, None) == ["5/5 - loss: 1.000 - val_loss: 2.000"]
    assert wrap(items, 35) == ["5/5 - loss: 1.000 - val_loss: 2.000"]  # exactly 35
    assert wrap(items, 34) == ["5/5 - loss: 1.000", "val_loss: 2.000"]
    assert wrap(items, 10) == ["5/5", "loss: 1.000", "val_loss: 2.000"]  # too long alone: a line each, not cut


def test_bar_lines_give_the_room_left_to_the_timing_then_the_bar():
    items = ["loss: 1.000"]
    assert bar_lines("2/4", 0.5, "1s", items, None) == ["2/4 [" + "=" * 15 + "." * 15 + "] 1s - loss: 1.000"]
    # 20 columns: "2/4 - loss: 1.000" is 17, the timing " 1s" fits, no room for a bar of 8
    assert bar_lines("2/4", 0.5, "1s", items, 20) == ["2/4 1s - loss: 1.000"]
    assert bar_lines("2/4", 0.5, "1s", items, 19) == ["2/4 - loss: 1.000"]
    # 31 columns: 31 - 17 - 3 (timing) - 3 (" []") leaves a bar of 8
    assert bar_lines("2/4", 0.5, "1s", items, 31) == ["2/4 [====....] 1s - loss: 1.000"]
    assert bar_lines("4/4", 1.0, "", items + ["val_loss: 2.000"], 28) == [
        "4/4 [========] - loss: 1.000",
        "val_loss: 2.000",
    ]


def test_console_redraws_in_place_and_a_message_takes_the_line(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    console = Console(out)
    console.redraw("1/3 [=..] loss: 1.000")
    console.redraw("2/3")  # shorter: blanks cover the rest of the old line
    message("a message")  # rubs the line out, prints on it
    console.redraw("3/3")  # a new line: nothing to cover
    console.finish(["3/3 done", "more"])
    console.end_line()  # nothing left open: writes nothing
    assert out.getvalue() == (
        "\r1/3 [=..] loss: 1.000"
        + "\r2/3"
        + " " * 18
        + "\r"
        + " " * 3
        + "\ra message\n"
        + "\r3/3"
        + "\r3/3 done\nmore\n"
    )


def test_end_open_line_ends_only_an_unfinished_line():
    out = io.StringIO()
    console = Console(out)
    end_open_line()  # nothing open: nothing written
    console.redraw("1/3")
    end_open_line()
    console.redraw("2/3")  # a new line: nothing to cover
    console.finish(["3/3"])
    assert out.getvalue() == "\r1/3\n\r2/3\r3/3\n"
