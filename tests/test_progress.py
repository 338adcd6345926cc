"""What fit prints: verbose=1 on a terminal (tqdm's bar), into a file or pipe (plain lines), verbose=2, verbose=0.

Each test runs a real short fit with metrics and validation data and reads the text
back as a terminal shows it: every epoch, the step count and every metric with its
value to 4 decimals (checked against the History), no line longer than the terminal,
no number cut, no blank line, no carriage return where there is no terminal.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import warnings

import numpy as np
import pytest

from tinyframe import DivergenceWarning, Sequential
from tinyframe.activations import Sigmoid
from tinyframe.callbacks import Callback, ReduceLROnPlateau, progress
from tinyframe.layers import Dense
from tinyframe.optimizers import GradientDescent

from .test_progress_text import screen

METRICS = ["loss", "accuracy", "mae", "val_loss", "val_accuracy", "val_mae"]
NUMBER = r"-?\d+\.\d{4}(e[+-]\d+)?|nan|-?inf"  # 4 decimals, whole


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
    """Lines are drawn in place on a terminal of known size, and in Jupyter."""
    return kind == "jupyter" or (kind == "terminal" and columns is not None)


@pytest.fixture
def console(monkeypatch):
    """``console(columns, kind, clock_step)``: stdout ("terminal", "file" or "jupyter"), terminal size and clock.

    ``columns=None`` is a terminal size that cannot be found (shutil returns the
    fallback it is given). The clock moves ``clock_step`` seconds at each reading.
    Outside a notebook, tqdm draws text: with "#" and digits into these files.
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


def train(epochs=3, batch_size=8, verbose=1, callbacks=(), metrics=("accuracy", "mae")):
    rng = np.random.default_rng(0)
    model = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    model.compile(optimizer=GradientDescent(0.5), metrics=list(metrics))
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    X_val, y_val = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    return model.fit(
        X, y, epochs=epochs, batch_size=batch_size, validation_data=(X_val, y_val), verbose=verbose, callbacks=callbacks
    )


def check_layout(text: str, width: int | None, live: bool) -> list[str]:
    """No blank line, nothing wider than ``width``, carriage returns only where lines are drawn in place; the screen."""
    if not live:
        assert "\r" not in text and "\x1b" not in text
    if width is not None:
        too_wide = [piece for piece in re.split(r"\r|\n|\x1b\[A", text) if len(piece) > width]
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


def shown_values(block: str, names) -> dict[str, str]:
    """The value shown for each of ``names``: once each in ``block``, whole, with 4 decimals."""
    shown = {}
    for name in names:
        found = re.findall(rf"(?<![\w]){name}: (\S+)", block)
        assert len(found) == 1, (name, block)
        assert re.fullmatch(NUMBER, found[0]), (name, found[0])
        shown[name] = found[0]
    return shown


def check_metrics(block: str, logs: dict) -> None:
    """Every metric of ``logs`` is in ``block`` once, its value whole, with 4 decimals."""
    for name, text in shown_values(block, logs).items():
        assert float(text) == pytest.approx(logs[name], rel=5e-5, abs=5e-5), (name, text, logs[name])


def epoch_logs(history, epoch: int, names=METRICS) -> dict:
    return {name: history.history[name][epoch] for name in names}


def live_frames(text: str) -> list[str]:
    """The bar's lines drawn during the epochs (those with an ETA), blanks that cover a longer line left out."""
    return [piece.rstrip() for piece in re.split(r"\r|\n|\x1b\[A", text) if "ETA" in piece]


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
    if live:  # the bar was drawn during the epoch, then left
        assert "ETA" in out.getvalue() and out.getvalue().count("\r") >= 3
        assert lines[0] == "Epoch 1/3" and lines[1].startswith("5/5 |#")
    else:  # a plain line per epoch (or a few, wrapped at a known width), even on a terminal of unknown size
        assert lines[0].startswith("Epoch 1/3 - 5/5 - ")
        if columns in (200, None):
            assert len(lines) == 3


def test_at_80_columns_every_number_is_shown_on_two_lines(console):
    out = console(80, "terminal")
    history = train(epochs=3)
    lines = check_layout(out.getvalue(), 79, live=True)
    assert len(lines) == 9
    for epoch in range(3):
        header, bar, validation = lines[3 * epoch : 3 * epoch + 3]
        assert header == f"Epoch {epoch + 1}/3"
        # the clock moves 1 s at each reading: 6 s for 5 steps
        assert re.fullmatch(r"5/5 \|#{14}\| 6s 1s/step - loss: \S+ - accuracy: \S+ - mae: \S+", bar), bar
        assert re.fullmatch(r"val_loss: \S+ - val_accuracy: \S+ - val_mae: \S+", validation), validation
        check_metrics(bar + "\n" + validation, epoch_logs(history, epoch))
    frames = live_frames(out.getvalue())  # during the epoch: the bar, the ETA and the running value of every metric
    assert len(frames) == 15
    for frame in frames:
        assert re.fullmatch(r"[1-5]/5 \|[#0-9 ]+\| ETA \ds - loss: \S+ - accuracy: \S+ - mae: \S+", frame), frame
        shown_values(frame, ["loss", "accuracy", "mae"])
    for epoch, frame in enumerate(frames[4::5]):  # at the last step, the running values are the epoch's
        assert frame.startswith("5/5 |" + "#" * 18 + "| ETA 0s - ")  # the bar takes the room left
        check_metrics(frame, epoch_logs(history, epoch, ["loss", "accuracy", "mae"]))


def test_at_120_columns_one_line_where_it_fits(console):
    out = console(120, "terminal")
    history = train(epochs=2, metrics=["accuracy"])  # loss, accuracy, val_loss, val_accuracy: 103 columns
    lines = check_layout(out.getvalue(), 119, live=True)
    assert len(lines) == 4 and lines[::2] == ["Epoch 1/2", "Epoch 2/2"]
    for epoch, line in enumerate(lines[1::2]):
        assert line.startswith("5/5 |" + "#" * 26 + "| 6s 1s/step - loss: ")
        check_metrics(line, epoch_logs(history, epoch, ["loss", "accuracy", "val_loss", "val_accuracy"]))

    out = console(120, "terminal")
    history = train(epochs=2)  # with mae and val_mae, the validation metrics go on a line of their own
    lines = check_layout(out.getvalue(), 119, live=True)
    assert len(lines) == 6
    for epoch in range(2):
        bar, validation = lines[3 * epoch + 1 : 3 * epoch + 3]
        assert re.fullmatch(r"5/5 \|#{30}\| 6s 1s/step - loss: \S+ - accuracy: \S+ - mae: \S+", bar), bar
        assert validation.startswith("val_loss: ")
        check_metrics(bar + "\n" + validation, epoch_logs(history, epoch))


@pytest.mark.parametrize(("columns", "lines_per_epoch"), [(200, 1), (80, 2), (40, 4)])
def test_verbose_2_prints_every_epoch_wrapped_at_a_terminals_width(console, columns, lines_per_epoch):
    out = console(columns, "terminal")
    history = train(epochs=4, verbose=2)
    lines = check_layout(out.getvalue(), columns, live=False)
    assert len(lines) == 4 * lines_per_epoch
    for epoch in range(4):
        block = epoch_block(lines, epoch + 1, 4)
        assert block.startswith(f"Epoch {epoch + 1}/4 - 5/5 - ")
        check_metrics(block, epoch_logs(history, epoch))
    if lines_per_epoch == 2:  # the validation metrics on a line of their own
        assert all(line.startswith("val_loss: ") for line in lines[1::2])


def test_verbose_2_into_a_file_prints_one_line_per_epoch(console):
    out = console(40, "file")
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


@pytest.mark.parametrize(
    ("kind", "columns", "metrics", "lines_shown"),
    [
        ("terminal", 120, ["accuracy"], 1),  # 114 columns: one line
        ("terminal", 80, ["accuracy", "mae"], 2),
        ("terminal", 40, ["accuracy", "mae"], 4),
        ("jupyter", None, ["accuracy", "mae"], 1),
    ],
)
def test_full_batch_redraws_one_line_on_a_terminal(console, kind, columns, metrics, lines_shown):
    out = console(columns, kind, clock_step=0.03)
    history = train(epochs=50, batch_size=None, metrics=metrics)
    width = None if columns is None else columns - 1
    lines = check_layout(out.getvalue(), width, live=True)
    assert len(lines) == lines_shown and lines[0].startswith("Epoch 50/50 |" + "#")
    assert "Epoch 1/50" not in out.getvalue() and "Epoch  1/50 |" in out.getvalue()  # redrawn in place, aligned
    assert "ETA" in out.getvalue()
    names = ["loss", *metrics, *(f"val_{name}" for name in ["loss", *metrics])]
    check_metrics("\n".join(lines), epoch_logs(history, -1, names))
    assert 1 < out.getvalue().count("Epoch ") < 50  # at most one redraw per 0.1 s of the clock, not one per epoch


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
    assert lines[0] == "Epoch 1/3" and lines[1].startswith("2/5 |####") and len(lines) == 2


def test_a_warning_mid_epoch_starts_on_a_line_of_its_own(console):
    class Poison(Callback):
        """Makes the weights NaN after the third step: the fourth step's loss is NaN, and fit warns."""

        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                for layer in self.model.layers:
                    for value in layer.params.values():
                        value[...] = np.nan

    out = console(80, "terminal")
    shown = []  # each DivergenceWarning, with what stdout held when it was shown
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, category, *args, **kwargs: shown.append((category, out.getvalue()))
        train(epochs=3, callbacks=[Poison()])
    [stdout] = [stdout for category, stdout in shown if category is DivergenceWarning]
    assert stdout.endswith("\n")  # the bar's line was ended before the warning was printed
    lines = check_layout(stdout, 79, live=True)
    assert lines[0] == "Epoch 1/3" and lines[1].startswith("3/5 |") and len(lines) == 2


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


def test_a_generator_of_unknown_length_shows_the_steps_counted(console):
    rng = np.random.default_rng(0)
    model = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    model.compile(optimizer=GradientDescent(0.5), metrics=["accuracy", "mae"])
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    out = console(80, "terminal")
    history = model.fit(iter([(X[i : i + 8], y[i : i + 8]) for i in range(0, 40, 8)]), epochs=1)
    lines = check_layout(out.getvalue(), 79, live=True)
    assert lines[0] == "Epoch 1/1" and len(lines) == 2
    assert re.fullmatch(r"5/5 \|#+\| 6s 1s/step - loss: \S+ - accuracy: \S+ - mae: \S+", lines[1]), lines[1]
    check_metrics(lines[1], epoch_logs(history, 0, ["loss", "accuracy", "mae"]))
    frames = [piece.rstrip() for piece in out.getvalue().split("\r") if "Unknown" in piece]  # as Keras: no bar, no ETA
    assert [frame.split(" - ")[0] for frame in frames] == [f"{step}/Unknown {step}s" for step in range(1, 6)]
    for frame in frames:
        shown_values(frame, ["loss", "accuracy", "mae"])


@pytest.mark.parametrize("shape", [(4,), (2, 4), (2, 2, 4)])
def test_inputs_of_any_rank_show_every_metric(console, shape):
    out = console(80, "terminal")
    rng = np.random.default_rng(0)
    model = Sequential([Dense(3), Sigmoid()], seed=0)
    model.compile(optimizer=GradientDescent(0.5), metrics=["accuracy", "mae"])
    X, y = rng.normal(size=(40, *shape)), rng.integers(0, 3, (40, *shape[:-1]))
    X_val, y_val = rng.normal(size=(20, *shape)), rng.integers(0, 3, (20, *shape[:-1]))
    reduce = ReduceLROnPlateau(monitor="loss", min_delta=10.0, patience=1, factor=0.5)
    history = model.fit(X, y, epochs=3, batch_size=8, validation_data=(X_val, y_val), callbacks=[reduce])
    assert history.history["learning_rate"] == [0.5, 0.5, 0.25]
    lines = check_layout(out.getvalue(), 79, live=True)
    for epoch in range(3):
        check_metrics(epoch_block(lines, epoch + 1, 3), epoch_logs(history, epoch))
