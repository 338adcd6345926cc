"""Embedding: rows looked up against a loop, gradients with repeated indices against a loop and finite differences.

Indices are not differentiable (and Embedding refuses non-whole ones), so the finite
differences move the table and the later layers' parameters only; the input gradient is
checked to be exactly zero.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, load_model
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense, Embedding, Flatten
from tinyframe.losses import CrossEntropy, SquaredError
from tinyframe.optimizers import Adam

from .strategies import (
    arrays,
    record,
    seeds,
)


@st.composite
def index_batches(draw, max_dim=6):
    """(input_dim, indices as floats of shape (m, d1, ...) of rank 2 to 3): the model's data path casts to floats."""
    input_dim = draw(st.integers(1, max_dim))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=2, max_size=3)))
    values = draw(st.lists(st.integers(0, input_dim - 1), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    return input_dim, np.array(values, dtype=np.float64).reshape(shape)


def built(layer, x, seed=0, dtype="float64"):
    return layer.build(x.shape[1:], dtype=dtype, rng=np.random.default_rng(seed))


def loop_lookup(W, x):
    """y[p] = W[x[p]] for every position p, one at a time."""
    y = np.empty((*x.shape, W.shape[1]))
    for p in itertools.product(*map(range, x.shape)):
        for j in range(W.shape[1]):
            y[(*p, j)] = W[int(x[p]), j]
    return y


def loop_table_gradient(x, g, input_dim):
    """dJ/dW[i] = the sum of g[p] over the positions p holding index i, added one position at a time."""
    dW = np.zeros((input_dim, g.shape[-1]))
    for p in itertools.product(*map(range, x.shape)):
        dW[int(x[p])] += g[p]
    return dW


# ---------------------------------------------------------------- forward and backward against loops
@given(st.data(), index_batches(), st.integers(1, 4), seeds)
def test_lookup_and_table_gradient_are_the_loops(data, dim_x, output_dim, seed):
    input_dim, x = dim_x
    layer = built(Embedding(input_dim, output_dim), x, seed)
    assert np.array_equal(layer.forward(x), loop_lookup(layer.params["embeddings"], x))
    g = data.draw(arrays((*x.shape, output_dim)), label="g")
    grad_in = layer.backward(g)
    np.testing.assert_allclose(layer.grads["embeddings"], loop_table_gradient(x, g, input_dim), rtol=1e-12, atol=1e-12)
    assert grad_in.shape == x.shape and not grad_in.any()


def test_repeated_indices_add_up_by_hand():
    layer = Embedding(3, 2).build((4,), dtype="float64", rng=0)
    x = np.array([[2.0, 0.0, 2.0, 2.0]])
    layer.forward(x)
    layer.backward(np.array([[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]]]))
    assert np.array_equal(layer.grads["embeddings"], [[2.0, 20.0], [0.0, 0.0], [8.0, 80.0]])  # row 2: 1 + 3 + 4


# ---------------------------------------------------------------- finite differences on the table and what follows
def check_parameters(model, X, Y):
    """Central differences of the loss in every parameter (not in X: indices cannot move), and dJ/dX == 0."""
    model._ensure_compiled()

    def J():
        return float(model.loss.forward(model.forward(X, training=True), Y))

    J0 = J()
    grad_in = np.array(model.backward(model.loss.backward(), input_grad=True))
    assert grad_in.shape == X.shape and not grad_in.any()
    analytic = [g.copy() for g in model.grads]
    result = gradcheck.GradCheckResult()
    for i, (w, g) in enumerate(zip(model.params, analytic)):
        result.errors[f"param{i}"] = gradcheck.relative_error(g, gradcheck.numerical_gradient(J, w), J0)
    return result


@settings(max_examples=20)
@given(st.data(), index_batches(max_dim=4), st.integers(1, 3), seeds)
def test_gradient_of_the_table_behind_and_in_front_of_dense(data, dim_x, output_dim, seed):
    """input_dim <= 4 makes repeated indices common."""
    input_dim, x = dim_x
    model = Sequential([Embedding(input_dim, output_dim), Dense(2)], dtype="float64", seed=seed)
    model.build(x.shape[1:])
    model.compile(loss=SquaredError())
    record("Embedding+Dense", check_parameters(model, x, data.draw(arrays((*x.shape, 2)))))


def test_a_fit_starting_with_embedding_skips_its_input_gradient_and_lowers_the_loss():
    """Sequences of 6 indices; the label of each position is its index mod 3, which the table must learn."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 12, (64, 6))
    model = Sequential([Embedding(12, 4), Dense(3)], seed=0)
    model.compile(loss=CrossEntropy(from_logits=True), optimizer=Adam(0.05), metrics=["accuracy"])
    history = model.fit(X, X % 3, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
    assert history.history["accuracy"][-1] == 1.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_save_load_predicts_identically_and_summary_shows_the_shape(dtype, tmp_path):
    X = np.random.default_rng(1).integers(0, 10, (8, 5))
    model = Sequential([Embedding(10, 4, embeddings_initializer="normal"), Dense(1), Sigmoid()], dtype=dtype, seed=0)
    model.build((5,))
    printed = []
    model.summary(print_fn=printed.append)
    assert "embedding (Embedding)  (None, 5, 4)       40" in printed[0]
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.predict(X).dtype == dtype and np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.layers[0].get_config() == json.loads(json.dumps(model.layers[0].get_config()))


def test_the_default_table_is_uniform_within_keras_bounds():
    W = Embedding(50, 20).build((1,), dtype="float32", rng=0).params["embeddings"]
    assert W.dtype == np.float32 and W.shape == (50, 20)
    assert -0.05 <= W.min() < -0.04 and 0.04 < W.max() <= 0.05  # 1000 draws of U(-0.05, 0.05)


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    "bad, shown",
    [(2.5, r"2\.5 at position \(1, 0\)"), (-1.0, r"-1\.0 at position \(1, 0\)"), (10.0, r"10\.0 at position"),
     (np.nan, "nan at position"), (np.inf, "inf at position")],
)  # fmt: skip
def test_an_index_that_is_not_a_whole_number_in_range_is_refused_naming_it(bad, shown):
    layer = Embedding(10, 3).build((2,), dtype="float64", rng=0)
    x = np.array([[1.0, 2.0], [bad, 3.0]])
    with pytest.raises(ValueError, match=rf"Embedding\(input_dim=10.*whole numbers in \[0, 10\). Received: {shown}"):
        layer.forward(x)


def test_a_model_refuses_bad_indices_in_predict_and_fit():
    model = Sequential([Embedding(4, 2), Dense(1)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=r"Embedding.*Received: 4 at position \(0, 1\)"):
        model.predict(np.array([[0, 4]]))
    assert not model.built  # refused before anything, the build included
    model.build((2,))
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"Embedding.*Received: 0\.5"):
        model.fit(np.array([[0.5, 1.0], [1.0, 2.0]]), np.zeros((2, 2, 1)), verbose=0, batch_size=None)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: Embedding(0, 3), ValueError, r"Embedding: input_dim must be an integer >= 1. Received: input_dim=0"),
        (lambda: Embedding(5, 2.0), TypeError, r"Embedding: output_dim must be an integer. Received: output_dim=2.0"),
        (lambda: Embedding(5, 2, embeddings_initializer="nope"), ValueError, "Unknown initializer.*'nope'"),
    ],
)
def test_bad_arguments_are_refused(make, error, match):
    with pytest.raises(error, match=match):
        make()


# ---------------------------------------------------------------- issue 26, items 9 and 10: exact, checked early
def test_indices_beyond_float32_s_integers_read_their_own_row_in_a_float32_model():
    """16,777,217 is not a float32 (it rounds to 16,777,216): the index must never pass through one."""
    big = 2**24 + 1
    model = Sequential([Embedding(big + 1, 1), Flatten()], dtype="float32", seed=0)
    model.build((1,))
    table = model.layers[0].params["embeddings"]
    table[big - 1, 0], table[big, 0] = 1.0, 2.0
    for x in (np.array([[big]]), np.array([[float(big)]])):  # int64, and float64 that holds it exactly
        assert model.predict(x, verbose=0)[0, 0] == 2.0
        assert model(x)[0, 0] == 2.0


def test_an_index_out_of_range_anywhere_in_the_data_is_refused_before_the_first_step():
    model = Sequential([Embedding(5, 2), Flatten(), Dense(1)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="mse")
    X, y = np.zeros((64, 3), int), np.zeros(64)
    model.build((3,))
    before = model.get_weights()
    X[-1, 2] = 7  # in the last batch
    with pytest.raises(ValueError, match=r"X: Embedding.* in \[0, 5\)\. Received: 7 at position \(63, 2\)"):
        model.fit(X, y, batch_size=8, verbose=0)
    X[-1, 2] = 1
    X_val = np.full((4, 3), 5)
    with pytest.raises(ValueError, match=r"X_val: Embedding.* in \[0, 5\)\. Received: 5"):
        model.fit(X, y, batch_size=8, verbose=0, validation_data=(X_val, np.zeros(4)))
    with pytest.raises(ValueError, match=r"X: Embedding.*indices must be whole numbers.*Received: 1.5"):
        model.fit(np.full((4, 3), 1.5), np.zeros(4), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    assert model.optimizer.iterations == 0


def test_a_functional_input_that_feeds_only_an_embedding_keeps_its_indices_exact():
    from tinyframe import Input, Model

    big = 2**24 + 1
    tokens = Input(shape=(1,), dtype="int32")
    out = Flatten()(Embedding(big + 1, 1)(tokens))
    model = Model(tokens, out, dtype="float32", seed=0)
    model.layers[1].params["embeddings"][big - 1 : big + 1, 0] = (1.0, 2.0)
    assert model.predict(np.array([[big]]), verbose=0)[0, 0] == 2.0
    with pytest.raises(ValueError, match=r"X: Embedding.* in \[0, 16777218\)\. Received: 16777218"):
        model.predict(np.array([[big + 1]]), verbose=0)
