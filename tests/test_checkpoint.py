"""ModelCheckpoint: every epoch or the best one, full or weights only, and resuming from a checkpoint."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Sequential, load_model
from tinyframe.activations import Sigmoid
from tinyframe.callbacks import Callback, ModelCheckpoint
from tinyframe.layers import Dense


def data():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 4))
    return X, (X[:, 0] > 0).astype(int)


def build():
    model = Sequential([Dense(4, 5), Sigmoid(), Dense(5, 2), Sigmoid()], dtype="float64", seed=0)
    model.compile(metrics=["accuracy"])
    return model


class WeightsPerEpoch(Callback):
    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def same(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a, b))


def test_every_epoch_is_saved_under_its_number(tmp_path):
    X, y = data()
    seen, checkpoint = WeightsPerEpoch(), ModelCheckpoint(tmp_path / "ckpt-{epoch:02d}.npz")
    build().fit(X, y, epochs=3, batch_size=10, callbacks=[seen, checkpoint], verbose=0)
    assert checkpoint.saved == [str(tmp_path / f"ckpt-0{i}.npz") for i in (1, 2, 3)]
    for path, weights in zip(checkpoint.saved, seen.weights):
        loaded = load_model(path)
        assert same(loaded.get_weights(), weights) and loaded.optimizer is not None


def test_save_best_only_keeps_the_best_epoch(tmp_path):
    X, y = data()
    seen, history_of_best = WeightsPerEpoch(), []
    checkpoint = ModelCheckpoint(tmp_path / "best.npz", monitor="val_loss", save_best_only=True)
    model = build()
    history = model.fit(
        X, y, epochs=8, validation_data=(-X, y), callbacks=[seen, checkpoint], verbose=0, batch_size=None
    )
    val = history.history["val_loss"]
    for epoch, value in enumerate(val):
        if value < min(val[:epoch], default=np.inf):
            history_of_best.append(epoch)
    assert len(checkpoint.saved) == len(history_of_best) < 8, "validating on -X makes val_loss rise at times"
    best = int(np.argmin(val))
    assert same(load_model(tmp_path / "best.npz").get_weights(), seen.weights[best])


def test_save_best_only_with_a_metric_that_grows(tmp_path):
    X, y = data()
    checkpoint = ModelCheckpoint(tmp_path / "best-{epoch}.npz", monitor="accuracy", save_best_only=True)
    history = build().fit(X, y, epochs=6, callbacks=[checkpoint], verbose=0, batch_size=None)
    acc = history.history["accuracy"]
    expected = [e + 1 for e, a in enumerate(acc) if a > max(acc[:e], default=-np.inf)]
    assert checkpoint.saved == [str(tmp_path / f"best-{e}.npz") for e in expected]


def test_save_weights_only_writes_no_optimizer_state(tmp_path):
    X, y = data()
    build().fit(
        X,
        y,
        epochs=2,
        callbacks=[ModelCheckpoint(tmp_path / "w.npz", save_weights_only=True)],
        verbose=0,
        batch_size=None,
    )
    assert load_model(tmp_path / "w.npz").optimizer is None
    fresh = Sequential([Dense(4, 5), Sigmoid(), Dense(5, 2), Sigmoid()], dtype="float64", seed=9)
    fresh.load_weights(tmp_path / "w.npz")
    assert same(fresh.get_weights(), load_model(tmp_path / "w.npz").get_weights())


def test_resuming_from_a_checkpoint_matches_training_straight_through(tmp_path):
    X, y = data()
    straight = build()
    straight.fit(X, y, epochs=6, batch_size=8, verbose=0)
    build().fit(X, y, epochs=3, batch_size=8, callbacks=[ModelCheckpoint(tmp_path / "c-{epoch}.npz")], verbose=0)
    resumed = load_model(tmp_path / "c-3.npz")  # {epoch} is the number of finished epochs: initial_epoch
    resumed.fit(X, y, epochs=6, initial_epoch=3, batch_size=8, verbose=0)
    assert same(resumed.get_weights(), straight.get_weights())


def test_missing_folders_are_created(tmp_path):
    X, y = data()
    build().fit(X, y, callbacks=[ModelCheckpoint(tmp_path / "a" / "b" / "m.npz")], verbose=0, batch_size=None)
    assert (tmp_path / "a" / "b" / "m.npz").exists()


def test_a_monitor_that_is_never_logged_fails_before_training(tmp_path):
    X, y = data()
    model = build()
    before = model.get_weights()
    with pytest.raises(ValueError, match="ModelCheckpoint: monitor='val_loss' will not be in the logs"):
        model.fit(
            X, y, callbacks=[ModelCheckpoint(tmp_path / "m.npz", save_best_only=True)], verbose=0, batch_size=None
        )
    assert same(model.get_weights(), before) and not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("filepath", ["m-{step}.npz", "m-{epoch:s}.npz", "m-{0}.npz"])
def test_a_path_that_cannot_be_filled_in_fails_before_training(tmp_path, filepath):
    X, y = data()
    with pytest.raises(
        ValueError, match="ModelCheckpoint: filepath .* cannot be filled in.*available fields: \\['epoch'"
    ):
        build().fit(X, y, callbacks=[ModelCheckpoint(str(tmp_path / filepath))], verbose=0, batch_size=None)


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="ModelCheckpoint: filepath must be a str or os.PathLike. Received: 3"):
        ModelCheckpoint(3)
    with pytest.raises(ValueError, match="ModelCheckpoint: mode must be 'auto', 'min' or 'max'. Received: mode='up'"):
        ModelCheckpoint("m.npz", mode="up")
