"""The shortcuts that keep a training step cheap change nothing a user can observe."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinyframe import Sequential
from tinyframe._fp import overflow_silenced, silenced
from tinyframe._scratch import Scratch, buffer
from tinyframe.activations import Sigmoid
from tinyframe.callbacks import Callback
from tinyframe.callbacks.base import CallbackList
from tinyframe.layers import Dense, Layer
from tinyframe.optimizers import Adam, GradientDescent, Momentum, RMSProp
from tinyframe.regularizers import L2


def test_silenced_sets_the_flag_and_numpys_error_state_and_restores_both():
    before = np.geterr()
    with np.errstate(over="raise"):
        assert not overflow_silenced()
        with pytest.raises(ZeroDivisionError), silenced():
            assert overflow_silenced() and np.geterr()["over"] == "ignore"
            assert np.exp(np.float32(100)) == np.inf  # no FloatingPointError inside
            raise ZeroDivisionError
        assert not overflow_silenced() and np.geterr()["over"] == "raise"
    assert np.geterr() == before


@pytest.mark.parametrize("inside", [False, True])
def test_sigmoid_overflow_is_silent_inside_and_outside_a_step(inside):
    layer = Sigmoid().build(dtype="float32")
    z = np.array([[-1e4, 0.0, 1e4]], np.float32)
    with warnings.catch_warnings(), np.errstate(over="raise"):
        warnings.simplefilter("error")
        if inside:
            with silenced():
                y = layer.forward(z)
        else:
            y = layer.forward(z)
    assert y.tolist() == [[0.0, 0.5, 1.0]]


def test_scratch_fills_once_and_keeps_its_arrays_while_current():
    owner = object()
    with Scratch():
        ones = buffer(owner, "ones", (4,), np.float64, fill=1)
        ones[0] = 9.0  # not refilled on the next get: filling is for creation only
        assert buffer(owner, "ones", (4,), np.float64, fill=1) is ones and ones[0] == 9.0
        assert buffer(owner, "ones", (5,), np.float64, fill=1).tolist() == [1.0] * 5
        assert buffer(object(), "ones", (4,), np.float64, fill=1) is not ones  # keyed by owner too
    outside = buffer(owner, "ones", (4,), np.float64, fill=1)
    assert outside is not ones and outside.tolist() == [1.0] * 4  # no scratch current: a new array


def test_bias_gradient_is_right_for_every_batch_size_in_turn():
    layer = Dense(3, 2).build(dtype="float64", rng=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    for m in (5, 3, 5, 1):
        layer.forward(rng.standard_normal((m, 3)))
        delta = rng.standard_normal((m, 2))
        layer.backward_params(delta)
        assert np.allclose(layer.grads["b"], delta.sum(axis=0), rtol=1e-14, atol=0)


def test_only_layers_with_a_penalty_are_asked_and_a_late_regularizer_counts():
    plain, regularized = Dense(2, 3), Dense(3, 1, kernel_regularizer=L2(0.5))
    assert not plain.has_penalty and regularized.has_penalty

    class Custom(Layer):  # overrides penalty: asked, as before has_penalty existed
        def forward(self, x, training=False):
            return x

        def backward(self, grad_out):
            return grad_out

        def penalty(self):
            return 2.0

    assert Custom().has_penalty
    model = Sequential([plain, Custom(), regularized], dtype="float64", seed=0)
    assert model._penalized == [model.layers[1], model.layers[2]]
    plain.kernel_regularizer = L2(1.0)  # set after the model was built
    X, y = np.ones((4, 2)), np.zeros((4, 1))
    logs = model.evaluate(X, y, verbose=0, return_dict=True)  # evaluate (like fit) refreshes the list
    W0, W2 = plain.params["W"], regularized.params["W"]
    penalty = 2.0 + 1.0 * np.sum(W0**2) + 0.5 * np.sum(W2**2)
    assert logs["loss"] == pytest.approx(model.loss.forward(model.predict(X), y) + penalty, rel=1e-12)


def test_only_callbacks_that_define_on_batch_end_are_called_per_batch():
    seen = []

    class Batches(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, logs["size"]))

    class Epochs(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(("epoch", epoch))

    hooks = CallbackList([Epochs(), Batches()], model=None, params={})
    assert [type(c) for c in hooks.batch_end_callbacks] == [Batches]
    model = Sequential([Dense(2, 1)], seed=0)
    model.fit(np.ones((5, 2)), np.ones(5), batch_size=2, epochs=1, verbose=0, callbacks=[Epochs(), Batches()])
    assert seen == [(0, 2), (1, 2), (2, 1), ("epoch", 0)]


OPTIMIZERS = [GradientDescent(0.1), Momentum(0.1), RMSProp(0.01), Adam(0.01, weight_decay=0.1)]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=repr)
def test_one_flat_array_updates_exactly_like_the_arrays_one_by_one(optimizer):
    rng = np.random.default_rng(0)
    parts = [rng.standard_normal(s) for s in (6, 3, 4)]
    grads = [[rng.standard_normal(p.shape) for p in parts] for _ in range(3)]
    flat_opt = type(optimizer).from_config(optimizer.get_config())
    flat = np.concatenate(parts)
    for step in grads:
        optimizer.step(parts, step)
        flat_opt.step([flat], [np.concatenate(step)])
    assert np.array_equal(flat, np.concatenate(parts))
