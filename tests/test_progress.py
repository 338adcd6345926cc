"""What fit prints: verbose=1 on a terminal (redrawn lines), into a file or pipe (plain lines), verbose=2, verbose=0.

Each test runs a real short fit with metrics and validation data and reads the text
back: every epoch, the step count and every metric with its value to 4 significant
digits (checked against the History), no line longer than the terminal, no blank
line, no carriage return where there is no terminal.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys

import numpy as np
import pytest

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.callbacks import Callback, ReduceLROnPlateau, progress
from tinyframe.layers import Dense
from tinyframe.optimizers import GradientDescent

METRICS = ["loss", "accuracy", "val_loss", "val_accuracy"]


class Output(io.StringIO):
    """sys.stdout for a test: a terminal (isatty) or a file."""

    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class JupyterOutput(Output):
    """Like Jupyter's ``sys.stdout`` (ipykernel's OutStream): not a terminal, yet redraws after ``\\r``."""

    __module__ = "ipykernel.iostream"


def is_live(kind: str, columns: int | None) -> bool:
    """A line is redrawn in place on a terminal of known size, and in Jupyter."""
    return kind == "jupyter" or (kind == "terminal" and columns is not None)


@pytest.fixture
def console(monkeypatch):
    """``console(columns, kind, clock_step)``: stdout ("terminal", "file" or "jupyter"), terminal size and clock.

    ``columns=None`` is a terminal size that cannot be found (shutil returns the
    fallback it is given). The clock moves ``clock_step`` seconds at each reading.
    """

    def set_up(columns: int | None, kind: str, clock_step: float = 1.0) -> Output:
        out = JupyterOutput(False) if kind == "jupyter" else Output(kind == "terminal")
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(
            shutil,
            "get_terminal_size",
            lambda fallback=(80, 24): os.terminal_size(fallback if columns is None else (columns, 24)),
        )
        now = [0.0]

        def clock():
            now[0] += clock_step
            return now[0]

        monkeypatch.setattr(progress, "_clock", clock)
        return out

    return set_up


def train(epochs=3, batch_size=8, verbose=1, callbacks=()):
    rng = np.random.default_rng(0)
    model = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    model.compile(optimizer=GradientDescent(0.5), metrics=["accuracy"])
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    X_val, y_val = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    return model.fit(
        X, y, epochs=epochs, batch_size=batch_size, validation_data=(X_val, y_val), verbose=verbose, callbacks=callbacks
    )


def screen(text: str) -> list[str]:
    """What a terminal shows: each carriage return starts writing over the line from its first column."""
    assert text.endswith("\n"), repr(text[-80:])
    shown = []
    for line in text[:-1].split("\n"):
        visible = ""
        for part in line.split("\r"):
            visible = part + visible[len(part) :]
        shown.append(visible)
    return shown


def check_layout(text: str, width: int | None, live: bool) -> list[str]:
    """No blank line, nothing wider than ``width``, carriage returns only where lines are redrawn; the screen."""
    if not live:
        assert "\r" not in text
    if width is not None:
        too_wide = [part for line in text.split("\n") for part in line.split("\r") if len(part) > width]
        assert not too_wide, too_wide
    lines = screen(text)
    assert all(line.strip() for line in lines), lines
    return lines


def epoch_block(lines: list[str], epoch: int, epochs: int) -> str:
    """The lines of one epoch: from its ``Epoch k/N`` to the next epoch's."""
    starts = [i for i, line in enumerate(lines) if re.match(r"Epoch \d+/\d+", line)]
    begin = next(i for i in starts if lines[i].startswith(f"Epoch {epoch}/{epochs}"))
    end = min([i for i in starts if i > begin], default=len(lines))
    return "\n".join(lines[begin:end])


def check_metrics(block: str, logs: dict) -> None:
    """Every metric of ``logs`` is in ``block`` once, with its value to 4 significant digits."""
    for name, value in logs.items():
        found = re.findall(rf"(?<![\w]){name}: (\S+)", block)
        assert len(found) == 1, (name, block)
        mantissa = found[0].split("e")[0].lstrip("-").replace(".", "").lstrip("0")
        assert len(mantissa) == 4, found[0]
        assert float(found[0]) == pytest.approx(value, rel=5e-4), (name, found[0], value)


def epoch_logs(history, epoch: int) -> dict:
    return {name: history.history[name][epoch] for name in METRICS}


@pytest.mark.parametrize(
    ("kind", "columns"),
    [(kind, columns) for kind in ("terminal", "file") for columns in (200, 80, 40, None)] + [("jupyter", None)],
)
def test_every_epoch_shows_its_count_and_every_metric(console, kind, columns):
    out = console(columns, kind)
    history = train(epochs=3)
    live = is_live(kind, columns)
    lines = check_layout(out.getvalue(), None if columns is None else columns - live, live)
    for epoch in range(3):
        block = epoch_block(lines, epoch + 1, 3)
        assert "5/5" in block
        check_metrics(block, epoch_logs(history, epoch))
    if live:  # the line was redrawn during the epoch, then ended
        assert "ETA" in out.getvalue() and out.getvalue().count("\r") >= 3
        assert lines[0] == "Epoch 1/3"
    else:  # a plain line per epoch (or a few, wrapped at a known width), even on a terminal of unknown size
        assert lines[0].startswith("Epoch 1/3 - 5/5 - ")
        if columns in (200, None):
            assert len(lines) == 3


@pytest.mark.parametrize("columns", [80, 40])
def test_verbose_2_prints_one_line_per_epoch_whatever_the_width(console, columns):
    out = console(columns, "terminal")
    history = train(epochs=4, verbose=2)
    lines = check_layout(out.getvalue(), None, live=False)
    assert len(lines) == 4
    for epoch, line in enumerate(lines):
        assert line.startswith(f"Epoch {epoch + 1}/4 - 5/5 - ")
        check_metrics(line, epoch_logs(history, epoch))


def test_verbose_0_is_silent(console, capsys):
    out = console(80, "terminal")
    train(epochs=2, verbose=0)
    assert out.getvalue() == "" and capsys.readouterr() == ("", "")


@pytest.mark.parametrize(("kind", "columns"), [("terminal", 80), ("terminal", 40), ("jupyter", None)])
def test_full_batch_redraws_one_line_on_a_terminal(console, kind, columns):
    out = console(columns, kind, clock_step=0.03)
    history = train(epochs=50, batch_size=None)
    width = None if columns is None else columns - 1
    lines = check_layout(out.getvalue(), width, live=True)
    assert lines[0].startswith("Epoch 50/50") and out.getvalue().count("\n") == len(lines)
    assert "Epoch 1/50" not in out.getvalue() and "Epoch  1/50" in out.getvalue()  # redrawn in place, aligned
    check_metrics("\n".join(lines), epoch_logs(history, -1))
    assert out.getvalue().count("\r") < 50  # at most one redraw per 0.1 s of the clock, not one per epoch


@pytest.mark.parametrize("kind", ["file", "terminal"])  # a terminal of unknown size
def test_full_batch_into_a_file_writes_a_line_every_ten_seconds(console, kind):
    out = console(None, kind, clock_step=0.0)  # a clock that does not move: first and last epoch only
    history = train(epochs=300, batch_size=None)
    lines = check_layout(out.getvalue(), None, live=False)
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/300", "Epoch 300/300"]
    check_metrics(lines[0], epoch_logs(history, 0))
    check_metrics(lines[1], epoch_logs(history, -1))

    out = console(None, kind, clock_step=1.0)  # two readings per epoch: a line every 5 epochs
    train(epochs=12, batch_size=None)
    assert [line.split(" - ")[0] for line in screen(out.getvalue())] == [
        "Epoch 1/12",
        "Epoch 6/12",
        "Epoch 11/12",
        "Epoch 12/12",
    ]


def test_full_batch_stopped_early_prints_its_last_epoch(console):
    class StopAt(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch == 6

    out = console(None, "file", clock_step=0.0)
    history = train(epochs=300, batch_size=None, callbacks=[StopAt()])
    lines = screen(out.getvalue())
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/300", "Epoch 7/300"]
    check_metrics(lines[1], epoch_logs(history, -1))


def test_a_failure_mid_epoch_leaves_the_terminal_on_a_new_line(console):
    class Fail(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                raise RuntimeError("callback failed")

    out = console(80, "terminal")
    with pytest.raises(RuntimeError, match="callback failed"):
        train(epochs=3, callbacks=[Fail()])
    lines = check_layout(out.getvalue(), 79, live=True)
    assert lines[0] == "Epoch 1/3" and lines[1].startswith("2/5 [") and len(lines) == 2


@pytest.mark.parametrize("kind", ["terminal", "file"])
def test_a_callback_message_gets_a_line_of_its_own(console, kind):
    tty = kind == "terminal"
    out = console(80, kind)
    reduce = ReduceLROnPlateau(monitor="loss", min_delta=10.0, patience=1, factor=0.5, verbose=1)
    history = train(epochs=3, callbacks=[reduce])
    lines = check_layout(out.getvalue(), 79 if tty else 80, tty)
    assert [line for line in lines if "ReduceLROnPlateau" in line] == [
        "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.25.",
        "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.125.",
    ]
    for epoch in range(3):
        check_metrics(
            epoch_block(lines, epoch + 1, 3), {**epoch_logs(history, epoch), "learning_rate": [0.5, 0.5, 0.25][epoch]}
        )


@pytest.mark.parametrize("shape", [(4,), (2, 4), (2, 2, 4)])
def test_inputs_of_any_rank_show_every_metric(console, shape):
    out = console(80, "terminal")
    rng = np.random.default_rng(0)
    model = Sequential([Dense(3), Sigmoid()], seed=0)
    model.compile(optimizer=GradientDescent(0.5), metrics=["accuracy"])
    X, y = rng.normal(size=(40, *shape)), rng.integers(0, 3, (40, *shape[:-1]))
    X_val, y_val = rng.normal(size=(20, *shape)), rng.integers(0, 3, (20, *shape[:-1]))
    reduce = ReduceLROnPlateau(monitor="loss", min_delta=10.0, patience=1, factor=0.5)
    history = model.fit(X, y, epochs=3, batch_size=8, validation_data=(X_val, y_val), callbacks=[reduce])
    assert history.history["learning_rate"] == [0.5, 0.5, 0.25]
    lines = check_layout(out.getvalue(), 79, live=True)
    for epoch in range(3):
        check_metrics(epoch_block(lines, epoch + 1, 3), epoch_logs(history, epoch))
