"""Data in batches: fit, evaluate and predict on Python generators and Keras's PyDataset (issue 29).

The same batches in the same order train exactly as arrays do (float64, bit for bit); a bad
first batch is refused before anything changes; a generator that runs dry ends training
with a warning, as Keras's does.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinyframe
from tinyframe import Sequential
from tinyframe.layers import Dense
from tinyframe.utils import PyDataset

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 4))
Y = (X.sum(axis=1) > 0).astype(int)


def model():
    m = Sequential([Dense(8, activation="relu"), Dense(2, activation="softmax")], dtype="float64", seed=0)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def batches(size=10, weights=None):
    """The rows of X in order, ``size`` at a time, forever (Keras's generators loop over the data)."""
    while True:
        for start in range(0, len(X), size):
            rows = slice(start, start + size)
            yield (X[rows], Y[rows]) if weights is None else (X[rows], Y[rows], weights[rows])


class Rows(PyDataset):
    """keras.io's way of writing one: the data and a batch size kept, ``__len__`` and ``__getitem__``."""

    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        self.epochs_ended += 1


def same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


def test_a_generator_trains_exactly_as_the_same_batches_of_arrays():
    in_memory, streamed = model(), model()
    in_memory.fit(X, Y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    history = streamed.fit(batches(10), steps_per_epoch=6, epochs=3, verbose=0)
    assert same_weights(in_memory, streamed)
    assert history.history["loss"] == in_memory.history.history["loss"]


def test_sample_weights_in_the_batches_train_as_sample_weight_does():
    weights = RNG.uniform(0.5, 2.0, len(X))
    in_memory, streamed = model(), model()
    in_memory.fit(X, Y, sample_weight=weights, batch_size=10, epochs=2, shuffle=False, verbose=0)
    streamed.fit(batches(10, weights), steps_per_epoch=6, epochs=2, verbose=0)
    assert same_weights(in_memory, streamed)


def test_a_py_dataset_trains_exactly_as_arrays_and_hears_each_epoch_end():
    dataset = Rows(X, Y, batch_size=10, workers=2, use_multiprocessing=False)
    in_memory, streamed = model(), model()
    in_memory.fit(X, Y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    streamed.fit(dataset, epochs=3, shuffle=False, verbose=0)
    assert same_weights(in_memory, streamed) and dataset.epochs_ended == 3
    assert (dataset.workers, dataset.use_multiprocessing, dataset.max_queue_size) == (2, False, 10)


def test_shuffling_a_py_dataset_draws_the_batch_order_from_the_model_s_seed():
    first, second, in_order = model(), model(), model()
    for m in (first, second):
        m.fit(Rows(X, Y, 10), epochs=2, shuffle=True, verbose=0)
    in_order.fit(Rows(X, Y, 10), epochs=2, shuffle=False, verbose=0)
    assert same_weights(first, second) and not same_weights(first, in_order)


def test_validation_data_in_batches_or_as_arrays_is_evaluated_each_epoch():
    as_batches, as_arrays = model(), model()
    h1 = as_batches.fit(Rows(X, Y, 10), epochs=2, shuffle=False, verbose=0, validation_data=Rows(X[:20], Y[:20], 10))
    h2 = as_arrays.fit(batches(10), steps_per_epoch=6, epochs=2, verbose=0, validation_data=(X[:20], Y[:20]))
    for history in (h1, h2):
        assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    np.testing.assert_allclose(h1.history["val_loss"], h2.history["val_loss"], rtol=1e-12)


def test_evaluate_and_predict_on_batches_agree_with_arrays():
    trained = model()
    trained.fit(X, Y, epochs=2, verbose=0)
    np.testing.assert_allclose(trained.predict(Rows(X, Y, 7)), trained.predict(X), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(trained.predict(iter([X[:25], X[25:]])), trained.predict(X), rtol=1e-12, atol=1e-15)
    by_batches = trained.evaluate(Rows(X, Y, 7), verbose=0, return_dict=True)
    whole = trained.evaluate(X, Y, verbose=0, return_dict=True)
    assert by_batches.keys() == whole.keys()
    np.testing.assert_allclose(list(by_batches.values()), list(whole.values()), rtol=1e-12)


def test_an_unbuilt_model_is_built_from_the_first_batch():
    fresh = Sequential([Dense(3), Dense(2, activation="softmax")], dtype="float64", seed=0)
    fresh.compile(loss="sparse_categorical_crossentropy")
    fresh.fit(batches(10), steps_per_epoch=2, verbose=0)
    assert fresh.built and fresh.input_shape == (4,)


def test_a_generator_that_runs_dry_ends_training_with_a_warning_keeping_finished_epochs():
    m = model()
    two_batches = iter([(X[:10], Y[:10]), (X[10:20], Y[10:20])])
    with pytest.warns(UserWarning, match="the input ran out of data at epoch 2"):
        history = m.fit(two_batches, epochs=5, verbose=0)  # no steps: epoch 1 runs until it is exhausted
    assert len(history.history["loss"]) == 1
    with pytest.warns(UserWarning, match="ran out of data at epoch 1"):
        m.fit(iter([(X[:10], Y[:10])]), steps_per_epoch=3, epochs=1, verbose=0)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: iter([]), ValueError, r"fit: the generator yielded no batch"),
        (
            lambda: iter([X[:10]]),
            ValueError,
            r"each batch must be \(x, y\) or \(x, y, sample_weight\); batch 0 has no y",
        ),
        (lambda: iter([(X[:10], Y[:10], None, 1)]), ValueError, r"Received: a tuple of 4"),
        (
            lambda: iter([(X[:10, :3], Y[:10])]),
            ValueError,
            r"x \(batch 0\): the model takes inputs of shape \(None, 4\)",
        ),
        (lambda: iter([(X[:10], Y[:9])]), ValueError, r"same number of samples"),
        (lambda: Rows(X[:0], Y[:0], 10), ValueError, r"the PyDataset has no batches"),
    ],
)
def test_a_bad_first_batch_is_refused_before_anything_changes(make, error, match):
    m = model()
    m.build((4,))
    weights, state = m.get_weights(), m.rng.bit_generator.state
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(error, match=match):
            m.fit(make(), epochs=2, verbose=0)
    assert same_weights_as(m, weights) and m.rng.bit_generator.state == state
    assert m.optimizer.iterations == 0


def same_weights_as(m, weights):
    return all(np.array_equal(u, v) for u, v in zip(m.get_weights(), weights))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y": Y}, r"fit: y is not given with data in batches"),
        ({"sample_weight": np.ones(60)}, r"fit: sample_weight is not given with data in batches"),
        ({"validation_split": 0.2}, r"validation_split needs arrays"),
        ({"steps_per_epoch": 0}, r"steps_per_epoch must be an integer >= 1"),
    ],
)
def test_arguments_that_do_not_go_with_batches_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        model().fit(batches(10), verbose=0, **kwargs)


def test_steps_per_epoch_with_arrays_is_refused_saying_what_sets_the_steps():
    with pytest.raises(ValueError, match="with arrays, batch_size sets the steps"):
        model().fit(X, Y, steps_per_epoch=3, verbose=0)


def test_keras_spelling_resolves():
    assert tinyframe.utils.PyDataset is PyDataset and tinyframe.utils.Sequence is PyDataset


@pytest.mark.parametrize("verbose", [1, 2])
def test_the_progress_shows_a_generator_of_unknown_length(verbose, capsys):
    m = model()
    m.fit(iter([(X[:10], Y[:10]), (X[10:20], Y[10:20])]), epochs=1, verbose=verbose)
    out = capsys.readouterr().out
    assert "loss" in out and "accuracy" in out


def test_batches_that_hold_nothing_are_refused_by_evaluate_and_predict():
    trained = model()
    trained.fit(X, Y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="evaluate: the generator yielded no batch"):
        trained.evaluate(iter([]), verbose=0)
    with pytest.raises(ValueError, match="predict: the data in batches held no batch"):
        trained.predict(iter([]))


def test_a_py_dataset_whose_length_is_not_a_count_is_refused():
    class Odd(PyDataset):
        def __len__(self):
            return 2

        @property
        def num_batches(self):
            return "two"

    with pytest.raises(TypeError, match="len\\(\\) of a PyDataset must be a number of batches >= 0. Received: 'two'"):
        model().fit(Odd(), verbose=0)
