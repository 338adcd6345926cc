"""TerminateOnNaN: accepted; fit's own divergence stop comes first, and the callback keeps Keras's semantics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinyframe import DivergenceWarning, Sequential
from tinyframe.callbacks import Callback, TerminateOnNaN
from tinyframe.layers import Dense
from tinyframe.optimizers import GradientDescent


def diverging_fit(callbacks):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 3)) * 10, rng.normal(size=32) * 10
    model = Sequential([Dense(3, 1)], dtype="float64", seed=0)
    model.compile(loss="mse", optimizer=GradientDescent(50.0))  # far too large: the loss grows without bound
    with pytest.warns(DivergenceWarning, match=r"Training stopped: .* at epoch \d+, batch \d+"):
        history = model.fit(X, y, epochs=500, batch_size=8, verbose=0, callbacks=callbacks)
    return model, history


def test_a_diverging_fit_stops_the_same_with_or_without_it(capsys):
    losses = []

    class Losses(Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append(logs["loss"])

    reference, plain = diverging_fit([])
    model, history = diverging_fit([TerminateOnNaN(), Losses()])
    assert len(history.epoch) < 500 and history.history == plain.history  # stopped by fit, at the same step
    assert all(np.array_equal(w, r) for w, r in zip(model.get_weights(), reference.get_weights()))
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert losses and all(math.isfinite(loss) for loss in losses)  # the callback only ever saw finite losses
    assert capsys.readouterr().out == ""  # so it never acted


class FakeModel:
    stop_training = False


@pytest.mark.parametrize("loss", [math.nan, math.inf, -math.inf])
def test_a_non_finite_batch_loss_sets_stop_training(capsys, loss):
    callback = TerminateOnNaN()
    callback.set_model(FakeModel())
    callback.on_train_batch_end(0, logs={"loss": 1.5})
    callback.on_train_batch_end(1, logs={})
    assert callback.model.stop_training is False and capsys.readouterr().out == ""
    callback.on_train_batch_end(2, logs={"loss": loss})
    assert callback.model.stop_training is True
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"
