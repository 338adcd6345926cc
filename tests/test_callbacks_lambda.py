"""LambdaCallback: plain functions as hooks, called by a real fit with Keras's arguments, in order."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Sequential
from tinyframe.callbacks import LambdaCallback
from tinyframe.callbacks.base import CallbackList
from tinyframe.layers import Dense


def test_every_hook_is_called_in_order_with_its_arguments():
    calls = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin", dict(logs))),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch, dict(logs))),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch, logs["size"])),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, logs["size"], logs["loss"])),
        on_test_end=lambda logs: calls.append(("test_end", sorted(logs))),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, dict(logs))),
        on_train_end=lambda logs: calls.append(("train_end", dict(logs))),
    )
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 2)), rng.normal(size=10)
    model = Sequential([Dense(2, 1)], dtype="float64", seed=0)
    model.compile(loss="mse", metrics=["mae"])
    history = model.fit(
        X, y, epochs=2, batch_size=4, shuffle=False, validation_data=(X, y), verbose=0, callbacks=[callback]
    )
    assert callback.model is model

    names = [call[0] for call in calls]
    epoch = ["epoch_begin", *["batch_begin", "batch_end"] * 3, "test_end", "epoch_end"]
    assert names == ["train_begin", *epoch, *epoch, "train_end"]
    assert calls[0] == ("train_begin", {})  # a dict, as Keras 3 passes
    assert calls[-1] == ("train_end", {key: values[-1] for key, values in history.history.items()})  # the last epoch's
    assert [call[1:] for call in calls if call[0] == "epoch_begin"] == [(0, {}), (1, {})]
    assert [call[1:3] for call in calls if call[0] == "batch_begin"] == [(0, 4), (1, 4), (2, 2)] * 2
    assert [call[1:3] for call in calls if call[0] == "batch_end"] == [(0, 4), (1, 4), (2, 2)] * 2
    assert [call[1] for call in calls if call[0] == "test_end"] == [["loss", "mae"]] * 2
    epoch_ends = [call for call in calls if call[0] == "epoch_end"]
    assert [call[1] for call in epoch_ends] == [0, 1]
    for e, (_, _, logs) in enumerate(epoch_ends):
        assert logs == {key: values[e] for key, values in history.history.items()}
        assert sorted(logs) == ["loss", "mae", "val_loss", "val_mae"]
    last_batches = [call[3] for call in calls if call[0] == "batch_end" and call[1] == 2]
    assert last_batches == pytest.approx(history.history["loss"], rel=1e-12)  # the running mean ends at the epoch's


def test_other_hooks_by_name_and_only_given_batch_hooks_run_per_step():
    seen = []
    older = LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch))  # the older name works too
    epochs_only = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(("epoch", epoch)))
    rng = np.random.default_rng(0)
    model = Sequential([Dense(2, 1)], dtype="float64", seed=0)
    model.compile(loss="mse")
    model.fit(
        rng.normal(size=(6, 2)), rng.normal(size=6), epochs=1, batch_size=2, verbose=0, callbacks=[older, epochs_only]
    )
    assert seen == [0, 1, 2, ("epoch", 0)]
    hooks = CallbackList([older, epochs_only], model, {})
    assert hooks.batch_end_callbacks == [older] and hooks.batch_begin_callbacks == []


def test_bad_hooks_are_refused():
    with pytest.raises(TypeError, match="LambdaCallback: on_epoch_end must be callable. Received: on_epoch_end=3"):
        LambdaCallback(on_epoch_end=3)
    with pytest.raises(TypeError, match=r"LambdaCallback: 'on_epoch_ends' is not a callback hook; expected one of \["):
        LambdaCallback(on_epoch_ends=print)
