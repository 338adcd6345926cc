"""TensorBoard: the event files, read back with TensorBoard's own reader, hold History's values."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

from tinyframe import Sequential  # noqa: E402
from tinyframe.activations import Sigmoid  # noqa: E402
from tinyframe.callbacks import ReduceLROnPlateau, TensorBoard  # noqa: E402
from tinyframe.layers import Dense  # noqa: E402
from tinyframe.optimizers import Adam  # noqa: E402
from tinyframe.optimizers.schedules import ExponentialDecay  # noqa: E402


def data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 5)), rng.integers(0, 3, n)


def model_of(optimizer):
    model = Sequential([Dense(5, 4), Sigmoid(), Dense(4, 3), Sigmoid()], seed=0)
    model.compile(optimizer=optimizer, metrics=["accuracy"])
    return model


def read(folder):
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={event_accumulator.HISTOGRAMS: 0})
    acc.Reload()
    return acc


def scalars(acc, tag):
    events = acc.Scalars(tag)
    return [e.step for e in events], [e.value for e in events]


def test_scalars_equal_history_per_epoch(tmp_path):
    X, y = data()
    schedule = ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    model = model_of(Adam(schedule))
    rates = []

    class Rate(TensorBoard):  # the rate of the next update, read where the callback reads it
        def on_epoch_end(self, epoch, logs=None):
            rates.append(self.model.optimizer.learning_rate)
            super().on_epoch_end(epoch, logs)

    history = model.fit(X, y, epochs=4, batch_size=16, validation_split=0.25, verbose=0, callbacks=[Rate(tmp_path)])
    train, validation = read(tmp_path / "train"), read(tmp_path / "validation")
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    assert set(validation.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy"}
    for acc, prefix in ((train, ""), (validation, "val_")):
        for name in ("loss", "accuracy"):
            steps, values = scalars(acc, f"epoch_{name}")
            assert steps == [0, 1, 2, 3]
            np.testing.assert_allclose(values, history.history[prefix + name], rtol=1e-6)  # stored as float32
    steps, values = scalars(train, "epoch_learning_rate")
    np.testing.assert_allclose(values, rates, rtol=1e-6)
    expected = [0.1 * 0.5 ** (3 * (k + 1) / 2) for k in range(4)]  # 3 steps an epoch, halved every 2 steps
    np.testing.assert_allclose(rates, expected, rtol=1e-12)


def test_a_logged_learning_rate_is_the_one_written(tmp_path):
    X, y = data()
    model = model_of(Adam(0.05))
    reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)  # reduce every epoch
    history = model.fit(X, y, epochs=3, verbose=0, callbacks=[reduce, TensorBoard(tmp_path)])
    _, values = scalars(read(tmp_path / "train"), "epoch_learning_rate")
    np.testing.assert_allclose(values, history.history["learning_rate"], rtol=1e-6)


def test_histograms_of_weights_and_gradients_every_histogram_freq_epochs(tmp_path):
    X, y = data()
    model = model_of("sgd")
    grads = {}

    class Grabber(TensorBoard):
        def on_epoch_end(self, epoch, logs=None):
            grads[epoch] = [g.copy() for g in self.model.grads]
            super().on_epoch_end(epoch, logs)

    model.fit(X, y, epochs=4, verbose=0, callbacks=[Grabber(tmp_path, histogram_freq=2)])
    train = read(tmp_path / "train")
    names = ["dense/W", "dense/b", "dense_1/W", "dense_1/b"]
    assert set(train.Tags()["histograms"]) == {*names, *(n + "/gradient" for n in names)}
    final = dict(zip(names, model.get_weights()))
    for name in names:
        events = train.Histograms(name)
        assert [e.step for e in events] == [1, 3]
        h = events[-1].histogram_value
        w = final[name]
        assert h.num == w.size
        np.testing.assert_allclose([h.min, h.max, h.sum], [w.min(), w.max(), w.sum()], rtol=1e-5, atol=1e-6)
    for name, g in zip(names, grads[3]):
        h = train.Histograms(name + "/gradient")[-1].histogram_value
        np.testing.assert_allclose([h.min, h.max, h.sum], [g.min(), g.max(), g.sum()], rtol=1e-5, atol=1e-7)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="TensorBoard: histogram_freq must be"):
        TensorBoard("logs", histogram_freq=-1)
    with pytest.raises(TypeError, match="TensorBoard: log_dir must be a path"):
        TensorBoard(3)


def test_without_tensorboardx_the_error_says_how_to_install_it(tmp_path):
    code = (
        "import sys; sys.modules['tensorboardX'] = None\n"
        "from tinyframe.callbacks import TensorBoard\n"
        f"try:\n    TensorBoard({str(tmp_path)!r}).on_train_begin()\nexcept ImportError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "tinyframe[tensorboard]"' in out


def test_the_event_files_are_closed_however_fit_ends(tmp_path):
    """Issue 26, item 13: a callback raising ends fit without on_train_end; the writers still close."""
    from tinyframe.callbacks import Callback

    class Boom(Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("boom")

    model = Sequential([Dense(4, 3), Sigmoid()], seed=0)
    model.compile(optimizer="sgd")
    board = TensorBoard(log_dir=str(tmp_path))
    X, y = np.ones((8, 4), "float32"), np.ones((8, 3), "float32")
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(X, y, epochs=2, verbose=0, callbacks=[board, Boom()])
    assert board._writers == {}  # closed, not left for the next fit to reuse
    model.fit(X, y, epochs=1, verbose=0, callbacks=[board])
    assert board._writers == {}
