"""The fit loop: mini-batches, shuffling, validation, metrics, History, divergence, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import DivergenceWarning, Sequential
from tinyframe.activations import Sigmoid
from tinyframe.callbacks import Callback
from tinyframe.layers import Dense
from tinyframe.optimizers import GradientDescent
from tinyframe.training import Batches


def linear_model(lr=0.5):
    model = Sequential([Dense(2, 1)], dtype="float64", seed=0)
    model.set_weights([np.array([[1.0], [0.0]]), np.array([0.0])])
    model.compile(optimizer=GradientDescent(learning_rate=lr))
    return model


def test_minibatch_gradient_descent_matches_a_hand_computed_two_batch_update():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0]])
    y = np.array([[0.0], [1.0], [1.0], [1.0]])
    model = linear_model(lr=0.5)
    history = model.fit(X, y, epochs=1, batch_size=2, shuffle=False, verbose=0)
    # batch 1 (rows 0, 1): predictions (1, 0), grad (h - y)/2 = (0.5, -0.5)
    #   dW = X1.T @ g = (0.5, -0.5), db = 0  ->  W = (0.75, 0.25), b = 0
    # batch 2 (rows 2, 3): predictions (1.0, 1.5), grad = (0, 0.25)
    #   dW = (0.5, 0), db = 0.25  ->  W = (0.5, 0.25), b = -0.125
    W, b = model.get_weights()
    np.testing.assert_array_equal(W, [[0.5], [0.25]])
    np.testing.assert_array_equal(b, [-0.125])
    # epoch loss: the size-weighted mean of the batch losses 0.5 and 0.0625
    assert history.history["loss"] == [pytest.approx(0.28125, rel=1e-15)]


def test_last_batch_may_be_smaller_and_is_averaged_over_its_own_size():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]])
    y = np.array([[0.0], [1.0], [1.0]])
    model = linear_model(lr=0.5)
    sizes = []

    class Sizes(Callback):
        def on_batch_end(self, batch, logs=None):
            sizes.append(logs["size"])

    model.fit(X, y, epochs=1, batch_size=2, shuffle=False, verbose=0, callbacks=[Sizes()])
    assert sizes == [2, 1]
    # after batch 1: W = (0.75, 0.25), b = 0; batch 2 (row 2, m=1): h = 1.5, grad = 0.5
    np.testing.assert_array_equal(model.get_weights()[0], [[0.75 - 0.5 * 2 * 0.5], [0.25]])
    np.testing.assert_array_equal(model.get_weights()[1], [-0.25])


def test_batches_gather_into_reused_buffers_and_cover_every_row_once():
    X = np.arange(20.0).reshape(10, 2)
    Y = np.arange(10.0).reshape(10, 1)
    batches = Batches(X, Y, 4, shuffle=True, rng=np.random.default_rng(0))
    first = [(xb, yb.copy()) for xb, yb, _ in batches.epoch()]
    second = [yb.copy() for _, yb, _ in batches.epoch()]
    assert [len(yb) for _, yb in first] == [4, 4, 2]
    assert np.shares_memory(first[0][0], first[1][0])  # one buffer per batch shape, no copy of X
    assert not np.shares_memory(first[0][0], X)
    for order in ([yb for _, yb in first], second):
        assert sorted(np.concatenate(order).ravel()) == list(range(10))
    assert not np.array_equal(np.concatenate([yb for _, yb in first]), np.concatenate(second))


def test_full_batch_is_not_shuffled_or_copied():
    X, Y = np.ones((5, 2)), np.ones((5, 1))
    ((xb, yb, wb),) = Batches(X, Y, 5, shuffle=False, rng=np.random.default_rng(0)).epoch()
    assert np.shares_memory(xb, X) and xb.shape == X.shape  # a view of X


def digits_like(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    return X, y


def small_net(seed=0):
    model = Sequential([Dense(6, 8), Sigmoid(), Dense(8, 3), Sigmoid()], dtype="float64", seed=seed)
    model.compile(optimizer=GradientDescent(1.0), metrics=["accuracy", "mse"])
    return model


def test_validation_split_is_random_and_seeded():
    from tinyframe.data import validation_rows

    X, y = digits_like()
    a = small_net(seed=3).fit(X, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0)
    reference = small_net(seed=3)
    train, val = validation_rows(len(X), 0.25, reference.rng)  # the draw fit makes, from the same state
    b = reference.fit(X[train], y[train], epochs=2, batch_size=16, validation_data=(X[val], y[val]), verbose=0)
    assert a.history == b.history
    assert len(val) == 30 and not np.array_equal(val, np.arange(90, 120))  # not Keras's last rows
    _, other = validation_rows(len(X), 0.25, np.random.default_rng(4))
    assert not np.array_equal(val, other)


def test_two_runs_with_one_seed_are_bit_identical():
    X, y = digits_like()

    def run():
        model = small_net(seed=11)
        history = model.fit(X, y, epochs=4, batch_size=10, validation_split=0.2, verbose=0)
        return model.get_weights(), history.history

    (w1, h1), (w2, h2) = run(), run()
    assert h1 == h2
    assert all(np.array_equal(p, q) for p, q in zip(w1, w2))


def test_history_metrics_and_validation_prefix():
    X, y = digits_like()
    model = small_net()
    history = model.fit(X, y, epochs=3, batch_size=32, validation_data=(X[:20], y[:20]), verbose=0)
    assert set(history.history) == {"loss", "accuracy", "mse", "val_loss", "val_accuracy", "val_mse"}
    assert history.epoch == [0, 1, 2] and all(len(v) == 3 for v in history.history.values())
    assert model.history is history
    final = model.evaluate(X[:20], y[:20], verbose=0, return_dict=True)
    assert final == {
        "loss": history.history["val_loss"][-1],
        "accuracy": history.history["val_accuracy"][-1],
        "mse": history.history["val_mse"][-1],
    }


def test_full_batch_training_metrics_are_those_of_the_step():
    X, y = digits_like()
    model = small_net()
    before = model.evaluate(X, y, verbose=0, return_dict=True)
    history = model.fit(X, y, epochs=1, verbose=0, batch_size=None)
    # one full batch: the logged loss and metrics are those before the update (as Keras logs them)
    assert history.history["loss"][0] == pytest.approx(before["loss"], rel=1e-12)
    assert history.history["accuracy"][0] == before["accuracy"]


def test_initial_epoch_counts_on():
    X, y = digits_like()
    history = small_net().fit(X, y, epochs=5, initial_epoch=3, verbose=0, batch_size=None)
    assert history.epoch == [3, 4]


def test_divergence_stops_training_with_the_last_finite_weights():
    X = np.array([[10.0, -10.0], [5.0, 3.0]])
    y = np.array([[1.0], [-1.0]])
    model = Sequential([Dense(2, 1)], seed=0)  # float32, linear: a huge step makes it blow up
    model.compile(optimizer=GradientDescent(learning_rate=10.0))
    seen = []

    class Record(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(model.get_weights())

    with pytest.warns(
        DivergenceWarning,
        match=r"(loss became (inf|nan)|update overflowed float32) at epoch \d+, batch 1. That step was not",
    ):
        history = model.fit(X, y, epochs=1000, verbose=0, callbacks=[Record()], batch_size=None)
    assert model.stop_training and 1 < len(history.epoch) < 1000
    assert len(seen) == len(history.epoch)  # the diverged step reached no callback
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert all(np.array_equal(w, v) for w, v in zip(model.get_weights(), seen[-1]))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs must be an integer >= 1. Received: epochs=0"),
        ({"epochs": 2.5}, TypeError, "epochs must be an integer"),
        ({"batch_size": 0}, ValueError, "batch_size must be an integer >= 1. Received: batch_size=0"),
        ({"batch_size": -4}, ValueError, "batch_size must be an integer >= 1"),
        ({"verbose": 3}, ValueError, "verbose must be 0, 1 or 2. Received: verbose=3"),
        ({"validation_split": 1.0}, ValueError, r"validation_split must be in \[0.0, 1.0\). Received"),
        ({"validation_split": 0.001}, ValueError, "leaves 0 for validation"),
        ({"validation_data": np.ones(3)}, TypeError, "validation_data must be a tuple"),
        (
            {"validation_data": (np.ones((2, 5)), [0, 1])},
            ValueError,
            r"X_val: the model takes inputs of shape \(None, 6\). Received: shape \(None, 5\)",
        ),
        ({"callbacks": [print]}, TypeError, "callbacks must be Callback instances"),
        ({"initial_epoch": 5, "epochs": 5}, ValueError, "initial_epoch must be smaller than epochs. Received: 5 and 5"),
    ],
)
def test_fit_refuses_bad_arguments_before_any_change(kwargs, error, match):
    X, y = digits_like()
    model = small_net()
    before, state = model.get_weights(), model.rng.bit_generator.state
    with pytest.raises(error, match=match):
        model.fit(X, y, **{"verbose": 0, **kwargs})
    assert all(np.array_equal(p, q) for p, q in zip(model.get_weights(), before))
    assert model.rng.bit_generator.state == state


def test_fit_on_a_model_never_compiled_says_once_what_it_trains_with(capsys):
    """Issue 27: the design card's model.fit(X, y) keeps working, and says which loss and optimizer it chose."""
    from tinyframe.activations import Sigmoid

    model = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    X, y = np.ones((6, 4)), np.zeros((6, 3))
    model.fit(X, y, epochs=1, verbose=2)
    first = capsys.readouterr().out
    assert "not compiled" in first and "SquaredError" in first and "GradientDescent(learning_rate=0.25)" in first
    model.fit(X, y, epochs=1, verbose=2)
    assert "not compiled" not in capsys.readouterr().out  # once: it is compiled now
    quiet = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    quiet.fit(X, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
