"""Keras's arguments of EarlyStopping, ModelCheckpoint and LearningRateScheduler that Keras code passes.

``EarlyStopping(monitor="val_loss", patience=3, verbose=1)`` and the like must run as
written. The expected epochs and messages follow Keras 3's callbacks (their source),
worked out by hand for each sequence of monitored values below.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe.callbacks import EarlyStopping, LearningRateScheduler, ModelCheckpoint


class FakeModel:
    """What these callbacks touch: ``stop_training``, the weights (one number: the epoch they are from)."""

    def __init__(self):
        self.stop_training, self.weights = False, [np.array(-1.0)]
        self.optimizer = type("Optimizer", (), {"learning_rate": 0.1})()
        self.saved: list[str] = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]

    def save(self, path, include_optimizer=True):
        self.saved.append(path)


def drive(callback, values, monitor="val_loss"):
    """Feed one ``monitor`` value per epoch until the callback stops training; returns the model."""
    model = FakeModel()
    callback.set_model(model)
    callback.set_params({"epochs": len(values), "metrics": ["loss", monitor]})
    callback.on_train_begin({})
    for epoch, value in enumerate(values):
        model.weights = [np.array(float(epoch))]
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, {"loss": 1.0, monitor: value})
        if model.stop_training:
            break
    callback.on_train_end({})
    return model


def test_baseline_keeps_patience_counting_until_the_baseline_is_beaten():
    # Keras: wait += 1 every epoch; an improvement resets it only if it also beats the baseline.
    # [0.9, 0.95, 0.96], patience 2: without a baseline, epoch 0 resets wait, epochs 1 and 2 count -> stop at 2;
    # with baseline 0.5, epoch 0 improves on inf but not on 0.5, so wait is 2 at epoch 1 -> stop at 1.
    assert drive(stop := EarlyStopping(patience=2), [0.9, 0.95, 0.96]) and stop.stopped_epoch == 2
    assert drive(stop := EarlyStopping(patience=2, baseline=0.5), [0.9, 0.95, 0.96]) and stop.stopped_epoch == 1
    # beating the baseline resets as usual: 0.4 < 0.5 at epoch 0, then two epochs without improvement
    assert drive(stop := EarlyStopping(patience=2, baseline=0.5), [0.4, 0.45, 0.46]) and stop.stopped_epoch == 2


def test_start_from_epoch_ignores_the_first_epochs():
    values = [1.0, 2.0, 3.0, 0.5, 0.6, 0.7]
    assert drive(stop := EarlyStopping(patience=1), values) and stop.stopped_epoch == 1
    # epochs 0 and 1 not watched; 3.0 then 0.5 improve; 0.6 at epoch 4 does not -> stop at 4
    assert drive(stop := EarlyStopping(patience=1, start_from_epoch=2), values) and stop.stopped_epoch == 4


def test_early_stopping_verbose_says_when_it_stopped_and_what_it_restored(capsys):
    model = drive(EarlyStopping(patience=1, verbose=1, restore_best_weights=True), [0.9, 0.7, 0.8, 0.85])
    out = capsys.readouterr().out
    assert "Epoch 3: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 2." in out
    assert float(model.weights[0]) == 1.0  # the weights of epoch index 1, the best
    drive(EarlyStopping(patience=1), [0.9, 0.7, 0.8])
    assert capsys.readouterr().out == ""  # verbose=0: silent


def test_model_checkpoint_verbose_prints_keras_lines(capsys, tmp_path):
    path = str(tmp_path / "best.npz")
    model = drive(ModelCheckpoint(path, save_best_only=True, verbose=1), [0.9, 0.95, 0.5])
    out = capsys.readouterr().out
    assert f"Epoch 1: val_loss improved from inf to 0.90000, saving model to {path}" in out
    assert "Epoch 2: val_loss did not improve from 0.90000" in out
    assert f"Epoch 3: val_loss improved from 0.90000 to 0.50000, saving model to {path}" in out
    assert model.saved == [path, path]
    drive(ModelCheckpoint(str(tmp_path / "e{epoch}.npz"), verbose=1), [0.9])
    assert f"Epoch 1: saving model to {tmp_path / 'e1.npz'}" in capsys.readouterr().out


def test_learning_rate_scheduler_verbose(capsys):
    drive(LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1), verbose=1), [1.0, 1.0])
    out = capsys.readouterr().out
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.01." in out
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.02." in out


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: EarlyStopping(verbose=-1), "EarlyStopping: verbose must be an integer >= 0"),
        (lambda: EarlyStopping(start_from_epoch=-2), "EarlyStopping: start_from_epoch must be an integer >= 0"),
        (lambda: EarlyStopping(baseline="low"), "EarlyStopping: baseline must be a number or None. Received: 'low'"),
        (lambda: ModelCheckpoint("m.npz", verbose=2.5), "ModelCheckpoint: verbose must be an integer. Received"),
        (lambda: LearningRateScheduler(abs, verbose=None), "LearningRateScheduler: verbose must be an integer"),
    ],
)
def test_bad_values_are_refused(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()
