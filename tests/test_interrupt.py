"""Nothing lost: Ctrl-C or a failing callback ends fit between steps, with consistent weights."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from tinyframe import Sequential
from tinyframe._interrupt import DeferredInterrupt
from tinyframe.activations import Sigmoid
from tinyframe.callbacks import Callback
from tinyframe.layers import Dense
from tinyframe.optimizers import GradientDescent

STOP_AT_STEP = 6  # 4 steps per epoch: the middle of the second epoch


class InterruptingGD(GradientDescent):
    """Presses Ctrl-C (sends SIGINT to this process) right after updating the first parameter of a step."""

    def update(self, index, param, grad):
        super().update(index, param, grad)
        if self.iterations == STOP_AT_STEP and ("dense", "W") in index:  # fit's keys: runs of (layer, parameter)
            os.kill(os.getpid(), signal.SIGINT)


class FailAfterStep(Callback):
    """A user callback that raises at a step boundary, after recording the weights there."""

    def __init__(self):
        super().__init__()
        self.steps, self.weights = 0, None

    def on_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.steps == STOP_AT_STEP:
            self.weights = self.model.get_weights()
            raise RuntimeError("callback failed")


def model_with(optimizer):
    model = Sequential([Dense(5, 6), Sigmoid(), Dense(6, 3), Sigmoid()], dtype="float64", seed=0)
    model.compile(optimizer=optimizer)
    return model


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 5)), rng.integers(0, 3, 40)


def test_ctrl_c_mid_update_finishes_the_step_then_stops():
    X, y = data()
    reference = model_with(GradientDescent(0.5))
    failing = FailAfterStep()
    with pytest.raises(RuntimeError, match="callback failed"):
        reference.fit(X, y, epochs=5, batch_size=10, verbose=0, callbacks=[failing])

    model = model_with(InterruptingGD(0.5))
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y, epochs=5, batch_size=10, verbose=1)
    # every parameter had its 6th update: none is left half-way
    assert model.optimizer.iterations == STOP_AT_STEP
    assert all(np.array_equal(w, r) for w, r in zip(model.get_weights(), failing.weights))
    assert model.history.epoch == [0] and len(model.history.history["loss"]) == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back


def test_a_failing_callback_leaves_the_last_completed_step():
    X, y = data()
    model = model_with(GradientDescent(0.5))
    failing = FailAfterStep()
    with pytest.raises(RuntimeError, match="callback failed"):
        model.fit(X, y, epochs=5, batch_size=10, verbose=0, callbacks=[failing])
    assert all(np.array_equal(w, r) for w, r in zip(model.get_weights(), failing.weights))
    assert model.history.epoch == [0]


def test_a_second_ctrl_c_is_not_deferred():
    with DeferredInterrupt() as interrupt:
        os.kill(os.getpid(), signal.SIGINT)
        assert interrupt.pending
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), DeferredInterrupt() as interrupt:
        os.kill(os.getpid(), signal.SIGINT)
        interrupt.check()
