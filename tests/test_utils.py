"""tinyframe.utils.set_random_seed: Keras's reproducibility switch, for models made without seed=."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

import tinyframe.utils
from tinyframe import Input, Model, Sequential
from tinyframe.layers import Dense, Dropout
from tinyframe.utils import set_random_seed


@pytest.fixture(autouse=True)
def global_generators(monkeypatch):
    """Each test starts unseeded and leaves Python's, NumPy's and tinyframe's global generators as it found them."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    monkeypatch.setattr(tinyframe.utils, "_seeds", None)
    yield
    random.setstate(python_state)
    np.random.set_state(numpy_state)


def sequential(**kwargs):
    return Sequential([Input((4,)), Dense(8, activation="relu"), Dropout(0.5), Dense(2)], **kwargs)


def functional():
    inputs = Input((4,))
    return Model(inputs, Dense(3)(inputs))


def weights(model):
    return [w.copy() for w in model.get_weights()]


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def test_models_made_after_the_same_seed_are_the_same():
    set_random_seed(1)
    first = [weights(sequential()), weights(functional())]
    set_random_seed(1)
    again = [weights(sequential()), weights(functional())]
    assert same(first[0], again[0]) and same(first[1], again[1])
    assert not same(first[0], weights(sequential()))  # the next model takes the next seed, as in Keras
    set_random_seed(2)
    assert not same(first[0], weights(sequential()))


def test_without_it_models_differ_and_a_model_seed_takes_precedence():
    assert not same(weights(sequential()), weights(sequential()))
    by_seed = weights(sequential(seed=0))
    set_random_seed(1)
    assert same(weights(sequential(seed=0)), by_seed)
    set_random_seed(None)  # undone: fresh entropy again
    assert not same(weights(sequential()), weights(sequential()))


def test_training_is_reproducible_run_after_run():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 4)), rng.integers(0, 2, 32)

    def run():
        set_random_seed(7)
        model = sequential()
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(X, y, epochs=2, batch_size=8, validation_split=0.25, verbose=0)  # shuffled, dropout
        return weights(model), history.history["loss"]

    (w1, loss1), (w2, loss2) = run(), run()
    assert same(w1, w2) and loss1 == loss2


def test_python_and_numpy_global_generators_are_seeded():
    set_random_seed(3)
    ours = random.random(), np.random.rand()
    random.seed(3)
    np.random.seed(3)
    assert ours == (random.random(), np.random.rand())


def test_bad_seeds_are_refused():
    with pytest.raises(TypeError, match=r"set_random_seed: seed must be an integer. Received: seed=1.5"):
        set_random_seed(1.5)
    with pytest.raises(ValueError, match=r"set_random_seed: seed must be an integer >= 0. Received: seed=-1"):
        set_random_seed(-1)
    with pytest.raises(ValueError, match=r"seed must be below 2\*\*32 \(NumPy's limit\). Received: seed=4294967296"):
        set_random_seed(2**32)
    assert tinyframe.utils._seeds is None  # nothing was set


def test_python_and_numpy_are_seeded_as_keras_seeds_them():
    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(11)
    theirs = random.random(), np.random.rand()
    set_random_seed(11)
    assert (random.random(), np.random.rand()) == theirs


def test_pad_sequences_pads_and_cuts_at_the_front_by_default_as_keras():
    from tinyframe.utils import pad_sequences

    rows = [[1, 2], [3, 4, 5, 6], []]
    np.testing.assert_array_equal(pad_sequences(rows, maxlen=3), [[0, 1, 2], [4, 5, 6], [0, 0, 0]])
    np.testing.assert_array_equal(
        pad_sequences(rows, maxlen=3, padding="post", truncating="post", value=-1),
        [[1, 2, -1], [3, 4, 5], [-1, -1, -1]],
    )
    assert pad_sequences(rows).shape == (3, 4)
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post'"):
        pad_sequences(rows, padding="middle")
