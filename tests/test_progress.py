"""What fit shows: a tqdm bar (verbose=1), a line per epoch (verbose=2), or nothing (verbose=0)."""

from __future__ import annotations

import numpy as np

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense


def fit(capsys, **kwargs):
    rng = np.random.default_rng(0)
    model = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    model.compile(metrics=["accuracy"])
    model.fit(rng.normal(size=(40, 4)), rng.integers(0, 3, 40), **kwargs)
    return capsys.readouterr()


def test_full_batch_draws_one_bar_over_the_epochs(capsys):
    out = fit(capsys, epochs=3000, verbose=1, batch_size=None)
    assert out.out == ""
    assert out.err.count("Training:") >= 1 and "3000/3000" in out.err and "Epoch" not in out.err
    assert "loss:" in out.err and "accuracy:" in out.err
    # rate-limited: a few redraws, not one per iteration (each redraw starts with a carriage return)
    assert out.err.count("\r") < 100
    assert out.err.count("\n") <= 2


def test_minibatches_draw_a_bar_per_epoch(capsys):
    out = fit(capsys, epochs=2, batch_size=8, verbose=1)
    assert "Epoch 1/2" in out.err and "Epoch 2/2" in out.err and "5/5" in out.err


def test_verbose_2_prints_one_line_per_epoch(capsys):
    out = fit(capsys, epochs=3, batch_size=8, verbose=2, validation_split=0.25)
    lines = out.out.splitlines()
    assert len(lines) == 3 and out.err == ""
    assert lines[0].startswith("Epoch 1/3 - loss: ") and "val_accuracy: " in lines[2]


def test_verbose_0_is_silent(capsys):
    out = fit(capsys, epochs=3, batch_size=8, verbose=0)
    assert out.out == "" and out.err == ""
