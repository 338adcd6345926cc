"""Callbacks: hook order, stopping, EarlyStopping, LearningRateScheduler, CSVLogger."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.callbacks import Callback, CSVLogger, EarlyStopping, LearningRateScheduler
from tinyframe.layers import Dense
from tinyframe.optimizers import GradientDescent


def data(seed=0, n=30):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 5)), rng.integers(0, 3, n)


def overfitting_net():
    """A net whose validation loss falls to a minimum at epoch 4, then rises (checked below)."""
    model = Sequential([Dense(5, 20), Sigmoid(), Dense(20, 3), Sigmoid()], dtype="float64", seed=2)
    model.compile(optimizer=GradientDescent(2.0))
    return model


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls, self.weights = [], []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(f"epoch_begin {epoch}")

    def on_batch_end(self, batch, logs=None):
        self.calls.append(f"batch_end {batch}")

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(f"epoch_end {epoch}")
        self.weights.append(self.model.get_weights())

    def on_train_end(self, logs=None):
        self.calls.append("train_end")


def test_hooks_are_called_in_order_with_the_model_and_params_set():
    X, y = data()
    recorder = Recorder()
    model = overfitting_net()
    model.fit(X, y, epochs=2, batch_size=20, verbose=0, callbacks=[recorder])
    assert recorder.calls == [
        "train_begin",
        "epoch_begin 0",
        "batch_end 0",
        "batch_end 1",
        "epoch_end 0",
        "epoch_begin 1",
        "batch_end 0",
        "batch_end 1",
        "epoch_end 1",
        "train_end",
    ]
    assert recorder.model is model
    assert recorder.params["steps"] == 2 and recorder.params["epochs"] == 2 and recorder.params["metrics"] == ["loss"]


def test_a_callback_can_stop_training():
    class StopAtTwo(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                self.model.stop_training = True

    X, y = data()
    assert overfitting_net().fit(X, y, epochs=10, verbose=0, callbacks=[StopAtTwo()], batch_size=None).epoch == [
        0,
        1,
        2,
    ]


def fit_with(stopper, epochs):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 5)), rng.integers(0, 3, 30)
    Xv, yv = rng.normal(size=(30, 5)), rng.integers(0, 3, 30)
    recorder = Recorder()
    model = overfitting_net()
    history = model.fit(
        X, y, epochs=epochs, batch_size=10, validation_data=(Xv, yv), verbose=0, callbacks=[recorder, stopper]
    )
    return model, history, recorder


@pytest.mark.parametrize(("patience", "epochs", "ends_by"), [(3, 40, "patience"), (100, 12, "epochs")])
def test_early_stopping_restores_the_best_weights(patience, epochs, ends_by):
    stopper = EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    model, history, recorder = fit_with(stopper, epochs)
    val = history.history["val_loss"]
    best = int(np.argmin(val))
    assert stopper.best_epoch == best == 4  # a minimum inside the run, not at its end
    if ends_by == "patience":
        assert stopper.stopped_epoch == best + patience and len(val) == best + patience + 1
    else:
        assert stopper.stopped_epoch is None and len(val) == epochs
    assert all(np.array_equal(w, b) for w, b in zip(model.get_weights(), recorder.weights[best]))
    assert not np.array_equal(model.get_weights()[0], recorder.weights[-1][0])


def test_early_stopping_without_restore_keeps_the_last_weights():
    model, history, recorder = fit_with(EarlyStopping(patience=2), 40)
    assert len(history.epoch) == 4 + 2 + 1  # up to the best epoch, then `patience` epochs without improvement
    assert all(np.array_equal(w, b) for w, b in zip(model.get_weights(), recorder.weights[-1]))


def test_early_stopping_min_delta_and_max_mode():
    stopper = EarlyStopping(monitor="accuracy", mode="auto", min_delta=0.5, patience=0)
    assert stopper.tracker.mode == "max"
    X, y = data()
    model = overfitting_net()
    model.compile(optimizer=GradientDescent(2.0), metrics=["accuracy"])
    history = model.fit(X, y, epochs=20, verbose=0, callbacks=[stopper], batch_size=None)
    assert len(history.epoch) == 2  # no accuracy can improve by 0.5 on the first epoch's


def test_early_stopping_checks_its_monitor_before_training():
    X, y = data()
    model = overfitting_net()
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"monitor='val_loss' will not be in the logs; available: \['loss'\]"):
        model.fit(X, y, epochs=3, verbose=0, callbacks=[EarlyStopping()], batch_size=None)
    assert all(np.array_equal(w, b) for w, b in zip(model.get_weights(), before))
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'. Received: mode='up'"):
        EarlyStopping(mode="up")
    with pytest.raises(ValueError, match="patience must be an integer >= 0"):
        EarlyStopping(patience=-1)


def test_learning_rate_scheduler_sets_and_logs_the_rate():
    X, y = data()
    model = overfitting_net()
    seen = []

    class Watch(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(self.model.optimizer.learning_rate)

    schedule = LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch else lr)
    history = model.fit(X, y, epochs=3, verbose=0, callbacks=[schedule, Watch()], batch_size=None)
    assert seen == [2.0, 1.0, 0.5] and history.history["learning_rate"] == [2.0, 1.0, 0.5]
    history = model.fit(
        X, y, epochs=2, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.1 * (epoch + 1))], batch_size=None
    )
    assert history.history["learning_rate"] == [0.1, 0.2]


def test_learning_rate_scheduler_errors():
    with pytest.raises(TypeError, match="schedule must be callable. Received: 0.1"):
        LearningRateScheduler(0.1)
    X, y = data()
    with pytest.raises(ValueError, match=r"schedule\(0\) gave an invalid rate: .*Received: learning_rate=-1.0"):
        overfitting_net().fit(
            X, y, epochs=2, verbose=0, callbacks=[LearningRateScheduler(lambda e: -1.0)], batch_size=None
        )
    with pytest.raises(TypeError, match=r"schedule\(0\) must return a number. Received: '0.1'"):
        overfitting_net().fit(X, y, verbose=0, callbacks=[LearningRateScheduler(lambda e: "0.1")])


def test_learning_rate_scheduler_on_an_optimizer_with_a_schedule_object_says_so():
    from tinyframe.optimizers import GradientDescent
    from tinyframe.optimizers.schedules import ExponentialDecay

    X, y = data()
    model = overfitting_net()
    model.compile(optimizer=GradientDescent(ExponentialDecay(0.1, 10, 0.5)))
    with pytest.raises(TypeError, match="schedule"):
        model.fit(X, y, verbose=0, callbacks=[LearningRateScheduler(lambda e: 0.1)])


def test_csv_logger_writes_a_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    X, y = data()
    model = overfitting_net()
    history = model.fit(X, y, epochs=3, validation_split=0.2, verbose=0, callbacks=[CSVLogger(path)], batch_size=None)
    rows = list(csv.DictReader(path.open()))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert [float(r["val_loss"]) for r in rows] == history.history["val_loss"]
    model.fit(X, y, epochs=5, initial_epoch=3, verbose=0, callbacks=[CSVLogger(path, append=True)], batch_size=None)
    rows = list(csv.DictReader(path.open()))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2, 3, 4]
    model.fit(X, y, epochs=1, verbose=0, callbacks=[CSVLogger(path, separator=";")], batch_size=None)
    assert path.read_text().splitlines()[0] == "epoch;loss"


def test_keras_3_hook_names_are_called_in_order():
    calls = []

    class Keras3(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            calls.append(("begin", batch, logs["size"]))

        def on_train_batch_end(self, batch, logs=None):
            calls.append(("end", batch, logs["size"], logs["loss"]))

        def on_test_begin(self, logs=None):
            calls.append(("test_begin",))

        def on_test_end(self, logs=None):
            calls.append(("test_end", sorted(logs)))

    class OldNames(Callback):
        def on_batch_begin(self, batch, logs=None):
            calls.append(("old_begin", batch))

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=5)
    model = Sequential([Dense(2, 1)], dtype="float64", seed=0)
    model.compile(loss="mse", metrics=["mae"])
    history = model.fit(
        X, y, epochs=1, batch_size=2, shuffle=False, validation_data=(X, y), verbose=0, callbacks=[Keras3(), OldNames()]
    )
    steps = [c for c in calls if c[0] in ("begin", "old_begin", "end")]
    assert [c[:3] for c in steps] == [
        ("begin", 0, 2), ("old_begin", 0), ("end", 0, 2),
        ("begin", 1, 2), ("old_begin", 1), ("end", 1, 2),
        ("begin", 2, 1), ("old_begin", 2), ("end", 2, 1),
    ]  # fmt: skip
    assert calls[-2:] == [("test_begin",), ("test_end", ["loss", "mae"])]
    assert steps[-1][3] == pytest.approx(history.history["loss"][0], rel=1e-12)  # the running mean at the end
