"""ReduceLROnPlateau: Keras 3's rule, checked against rate sequences worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe.callbacks import Callback, EarlyStopping, ReduceLROnPlateau

from .test_callbacks import overfitting_net


class FakeOptimizer:
    def __init__(self, learning_rate: float):
        self.learning_rate = learning_rate


class FakeModel:
    def __init__(self, optimizer):
        self.optimizer, self.stop_training = optimizer, False


def drive(callback, values, lr=1.0, monitor="val_loss", optimizer=None):
    """Feed ``values`` of ``monitor`` to the callback, one per epoch; the logged rates and the final one."""
    model = FakeModel(optimizer or FakeOptimizer(lr))
    callback.set_model(model)
    callback.on_train_begin({})
    logged = []
    for epoch, value in enumerate(values):
        logs = {"loss": 0.5, monitor: value}
        callback.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
    return logged, model.optimizer.learning_rate


def test_the_rate_is_multiplied_after_patience_epochs_without_improvement():
    val_loss = [1.0, 0.9, 0.95, 0.92, 0.91, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8]
    logged, final = drive(ReduceLROnPlateau(factor=0.5, patience=2), val_loss)
    # best 0.9 at epoch 1; epochs 2, 3 do not beat it -> 0.5 from epoch 4; 0.7 at epoch 5 is a new best;
    # epochs 6, 7 -> 0.25 from epoch 8; epochs 8, 9 -> 0.125 from epoch 10. The log holds the rate each epoch used.
    assert logged == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125]
    assert final == 0.125


def test_min_delta_decides_what_counts_as_an_improvement():
    assert drive(ReduceLROnPlateau(factor=0.5, patience=1), [1.0, 0.99995])[1] == 0.5  # not below 1 - 1e-4
    assert drive(ReduceLROnPlateau(factor=0.5, patience=1), [1.0, 0.9998])[1] == 1.0
    assert drive(ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.5), [1.0, 0.6])[1] == 0.5


@pytest.mark.parametrize(
    ("cooldown", "expected"),
    [
        (0, [1.0, 1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625]),
        (1, [1.0, 1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625]),  # the last cooldown epoch counts again
        (2, [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125]),
        (3, [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]),
    ],
)
def test_cooldown_on_a_plateau(cooldown, expected):
    logged, _ = drive(ReduceLROnPlateau(factor=0.5, patience=1, cooldown=cooldown), [1.0] * 8)
    assert logged == expected


def test_an_improvement_during_cooldown_becomes_the_best():
    logged, final = drive(ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2), [1.0, 1.0, 0.5, 0.6, 0.6])
    # epoch 1 reduces; epoch 2 (cooldown) brings best 0.5; epoch 3 ends the cooldown and does not beat 0.5
    assert logged == [1.0, 1.0, 0.5, 0.5, 0.25] and final == 0.25


def test_min_lr_is_a_floor():
    logged, final = drive(ReduceLROnPlateau(factor=0.1, patience=1, min_lr=0.015), [1.0] * 5)
    assert logged == [1.0, 1.0, 0.1, 0.015, 0.015] and final == 0.015


def test_mode_max_for_accuracy():
    accuracy = [0.5, 0.6, 0.6, 0.55]
    auto = ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1)
    assert auto.tracker.mode == "max"
    assert drive(auto, accuracy, monitor="val_accuracy") == ([1.0, 1.0, 1.0, 0.5], 0.25)
    low = ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1, mode="min")
    assert drive(low, accuracy, monitor="val_accuracy") == ([1.0, 1.0, 0.5, 0.25], 0.125)  # lower is better


def test_a_missing_monitor_warns_with_the_available_keys_and_leaves_the_rate():
    callback = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=0)
    with pytest.warns(UserWarning, match=r"monitor='val_loss' is not in .*available: \['learning_rate', 'loss'\]"):
        logged, final = drive(callback, [1.0, 1.0], monitor="loss")
    assert logged == [1.0, 1.0] and final == 1.0


def test_a_rate_that_cannot_be_set_is_a_type_error_naming_the_callback():
    class Scheduled:
        learning_rate = property(lambda self: 0.1)

        @learning_rate.setter
        def learning_rate(self, value):
            raise TypeError("the learning rate comes from a schedule and cannot be set")

    with pytest.raises(TypeError, match="ReduceLROnPlateau cannot set the learning rate of Scheduled: .*schedule"):
        drive(ReduceLROnPlateau(patience=1), [1.0, 1.0], optimizer=Scheduled())

    class ScheduleObject:
        pass

    schedule = ScheduleObject()
    with pytest.raises(TypeError, match="ReduceLROnPlateau needs a number as the learning rate; FakeOptimizer"):
        drive(ReduceLROnPlateau(), [1.0], lr=schedule)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"factor": 1.0}, ValueError, r"factor must be in \(0.0, 1.0\). Received: factor=1.0"),
        ({"factor": 0}, ValueError, r"factor must be in \(0.0, 1.0\). Received: factor=0.0"),
        ({"patience": -1}, ValueError, "patience must be an integer >= 0. Received: patience=-1"),
        ({"cooldown": 1.5}, TypeError, "cooldown must be an integer. Received: cooldown=1.5"),
        ({"min_lr": -0.1}, ValueError, r"min_lr must be in \[0.0, inf\). Received: min_lr=-0.1"),
        ({"min_delta": -1}, ValueError, r"min_delta must be in \[0.0, inf\]. Received: min_delta=-1.0"),
        ({"mode": "up"}, ValueError, "mode must be 'auto', 'min' or 'max'. Received: mode='up'"),
        ({"monitor": 3}, TypeError, r"monitor must be the name of a logged quantity \(a str\). Received: 3"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match="ReduceLROnPlateau: " + match):
        ReduceLROnPlateau(**kwargs)


def test_in_a_real_fit_the_new_rate_drives_the_next_epochs():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 5)), rng.integers(0, 3, 30)
    X_val, y_val = rng.normal(size=(30, 5)), rng.integers(0, 3, 30)
    seen = []

    class Watch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(self.model.optimizer.learning_rate)

    def run(callbacks, epochs=9):
        model = overfitting_net()  # GradientDescent(2.0), 3 batches an epoch
        return model, model.fit(
            X, y, epochs=epochs, batch_size=10, validation_data=(X_val, y_val), verbose=0, callbacks=callbacks
        )

    _, plain = run([])
    val = plain.history["val_loss"]
    # Without the callback: val_loss falls by more than min_delta=1e-4 up to epoch 3; epoch 4 is lower by less
    # than that (no improvement, though it is the minimum), and epochs 5, 6 are higher.
    assert all(val[i + 1] < val[i] - 1e-4 for i in range(3))
    assert 0 < val[3] - val[4] < 1e-4 and min(val[5:7]) > val[3]

    model, history = run([ReduceLROnPlateau(factor=0.5, patience=3), Watch()])
    assert history.history["learning_rate"] == [2.0] * 7 + [1.0] * 2  # lowered at the end of epoch 6
    assert seen == [2.0] * 21 + [1.0] * 6 and model.optimizer.learning_rate == 1.0
    assert history.history["val_loss"][:7] == val[:7]  # nothing changes before the reduction ...
    assert history.history["val_loss"][7] != val[7]  # ... and epoch 7 trains with the new rate

    _, stopped = run([ReduceLROnPlateau(factor=0.5, patience=3), EarlyStopping(patience=6)], epochs=40)
    assert stopped.history["learning_rate"][:9] == [2.0] * 7 + [1.0] * 2  # beside EarlyStopping's own Monitor
