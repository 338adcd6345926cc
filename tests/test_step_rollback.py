"""A step that fails is undone whole: the weights *and* the state a training forward changes.

BatchNormalization updates its running statistics in its forward pass, before the loss is
known; a step that then fails (the loss refuses the batch, a custom ``train_step`` raises,
the update or the statistics overflow) must leave them as the last completed step left
them, as it leaves the weights (issue 26, items 1 and 2).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinyframe import Sequential, load_model
from tinyframe.callbacks import Callback
from tinyframe.layers import BatchNormalization, Dense
from tinyframe.losses import SquaredError
from tinyframe.training import DivergenceWarning


def bn_model(dtype="float64"):
    return Sequential([Dense(3, 4), BatchNormalization(), Dense(4, 2)], dtype=dtype, seed=0)


def stats(model):
    return {name: a.copy() for layer in model.layers for name, a in layer.state.items()}


class Recorder(Callback):
    """The weights and running statistics after each completed batch."""

    def __init__(self):
        super().__init__()
        self.after = []

    def on_train_batch_end(self, batch, logs=None):
        self.after.append((self.model.get_weights(), stats(self.model)))


class RefusesSecondBatch(SquaredError):
    """A loss that refuses the outputs of its second call (as a loss refuses targets it cannot take)."""

    calls = 0

    def forward(self, y_hat, y, sample_weight=None):
        RefusesSecondBatch.calls += 1
        if RefusesSecondBatch.calls == 2:
            raise ValueError("refused")
        return super().forward(y_hat, y, sample_weight=sample_weight)


def assert_as_after(model, recorded):
    weights, state = recorded
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    for name, value in stats(model).items():
        np.testing.assert_array_equal(value, state[name], err_msg=name)


def data(n=12, scale=1.0, dtype="float64"):
    rng = np.random.default_rng(1)
    return (rng.normal(size=(n, 3)) * scale).astype(dtype), rng.normal(size=(n, 2)).astype(dtype)


def test_a_loss_that_refuses_a_later_batch_leaves_the_statistics_of_the_last_completed_step():
    model, recorder = bn_model(), Recorder()
    RefusesSecondBatch.calls = 0
    model.compile(loss=RefusesSecondBatch(), optimizer="sgd")
    X, y = data()
    with pytest.raises(ValueError, match="refused"):
        model.fit(X, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[recorder])
    assert len(recorder.after) == 1
    assert_as_after(model, recorder.after[0])


def test_a_custom_train_step_that_raises_after_its_forward_leaves_the_statistics_of_the_last_step():
    class Failing(Sequential):
        steps = 0

        def train_step(self, data):
            x, y = data
            Failing.steps += 1
            y_hat = self.forward(x, training=True)  # the running statistics move here
            if Failing.steps == 3:
                raise RuntimeError("after the forward")
            self.compute_loss(y_hat, y)
            self.backward(self.loss.backward())
            self.apply_gradients()
            return {"loss": 0.0}

    model = Failing([Dense(3, 4), BatchNormalization(), Dense(4, 2)], dtype="float64", seed=0)
    model.compile(optimizer="sgd")
    recorder = Recorder()
    X, y = data()
    with pytest.raises(RuntimeError, match="after the forward"):
        model.fit(X, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[recorder])
    assert len(recorder.after) == 2
    assert_as_after(model, recorder.after[1])


def test_statistics_that_overflow_undo_the_step_and_the_model_still_saves(tmp_path):
    """Finite float32 inputs of about 1e19: the batch variance overflows to inf."""
    model = bn_model("float32")
    model.compile(optimizer="sgd")
    before = (model.get_weights(), stats(model))
    X, y = data(scale=1e19, dtype="float32")
    assert np.all(np.isfinite(X))
    with pytest.warns(DivergenceWarning, match="running statistics"):
        model.fit(X, y, batch_size=None, epochs=1, verbose=0)
    assert_as_after(model, before)
    model.save(tmp_path / "m.npz")
    load_model(tmp_path / "m.npz")  # a file that loads


def test_a_diverging_update_restores_the_statistics_too():
    model = bn_model()
    from tinyframe.optimizers import GradientDescent

    model.compile(optimizer=GradientDescent(1e308))
    before = (model.get_weights(), stats(model))
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        model.fit(X, y * 1e10, batch_size=None, epochs=1, verbose=0)
    assert_as_after(model, before)


def test_train_on_batch_undoes_the_statistics_of_a_refused_batch_too():
    model = bn_model()
    RefusesSecondBatch.calls = 0
    model.compile(loss=RefusesSecondBatch(), optimizer="sgd")
    X, y = data()
    model.train_on_batch(X[:4], y[:4])
    after_first = (model.get_weights(), stats(model))
    with pytest.raises(ValueError, match="refused"):
        model.train_on_batch(X[4:8], y[4:8])
    assert_as_after(model, after_first)


def test_a_model_without_state_has_no_guard_to_pay_for():
    model = Sequential([Dense(3, 2)], seed=0)
    model.compile(optimizer="sgd")
    model.fit(*data(dtype="float32"), epochs=1, verbose=0)
    assert not model._state_guard
