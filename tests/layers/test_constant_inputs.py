"""A layer called on a constant inside a ``call`` (keras.io's position embedding: ``Embedding(T, d)`` on
``ops.arange(T)``): its weights train, in functional graphs and subclassed models alike; what only looks
constant (a view of a recorded array) is still refused.

The pattern is the ``TokenAndPositionEmbedding`` layer of keras.io's "Text classification with Transformer"
(https://keras.io/examples/nlp/text_classification_with_transformer/), written here in our own words.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Input, Model, ops
from tinyframe.gradcheck import check_model
from tinyframe.layers import Add, Dense, Embedding, GlobalAveragePooling1D, Layer, TokenAndPositionEmbedding


class Positions(Layer):
    """Token embeddings plus a position Embedding looked up at ``ops.arange(T)``."""

    def __init__(self, length, vocabulary, width):
        super().__init__()
        self.tokens = Embedding(vocabulary, width)
        self.positions = Embedding(length, width)

    def call(self, x):
        where = ops.arange(0, ops.shape(x)[-1], 1)
        return self.tokens(x) + self.positions(where)


def functional(dtype="float64"):
    inputs = Input(shape=(5,))
    x = GlobalAveragePooling1D()(Positions(5, 9, 3)(inputs))
    return Model(inputs, Dense(2)(x), dtype=dtype, seed=0)


class Subclassed(Model):
    def __init__(self, dtype="float64"):
        super().__init__(dtype=dtype, seed=0)
        self.embed = Positions(5, 9, 3)
        self.pool = GlobalAveragePooling1D()
        self.out = Dense(2)

    def call(self, x):
        return self.out(self.pool(self.embed(x)))


def data():
    rng = np.random.default_rng(0)
    return rng.integers(0, 9, (12, 5)), rng.standard_normal((12, 2))


@pytest.mark.parametrize("make", [functional, Subclassed], ids=["functional", "subclassed"])
def test_the_position_table_gets_its_gradient(make):
    X, y = data()
    model = make()
    model.compile(loss="mse")
    model.predict(X[:1], verbose=0)  # built
    result = check_model(model, X, y)
    assert "input" not in result.errors  # indices have no gradient
    assert result.max_error < 1e-6, str(result)
    table = next(layer for layer in model.layers if getattr(layer, "input_dim", None) == 5)
    before = table.get_weights()[0]
    model.fit(X, y, epochs=2, verbose=0)
    assert not np.allclose(table.get_weights()[0], before)


def test_both_ways_train_alike_and_match_the_built_in_layer():
    X, y = data()
    losses = []
    for make in (functional, Subclassed):
        model = make()
        model.compile(loss="mse", optimizer="adam")
        losses.append(model.fit(X, y, epochs=3, verbose=0).history["loss"])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-12)
    model = functional()
    inputs = Input(shape=(5,))
    pooled = GlobalAveragePooling1D()(TokenAndPositionEmbedding(9, 5, 3)(inputs))
    built_in = Model(inputs, Dense(2)(pooled), dtype="float64", seed=0)
    tokens, positions = (next(la for la in model.layers if getattr(la, "input_dim", None) == n) for n in (9, 5))
    dense = model.layers[-1]
    built_in.set_weights([tokens.get_weights()[0], positions.get_weights()[0], *dense.get_weights()])
    np.testing.assert_allclose(built_in.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-12)


@pytest.mark.parametrize(
    "escape",
    [lambda x: np.asarray(x).reshape(x.shape), lambda x: np.asarray(x) * 1.0],
    ids=["a view", "a new float array"],
)
def test_what_numpy_makes_of_a_recorded_array_is_still_refused(escape):
    """Only integers are constants: a float array NumPy made from ``x`` would carry no gradient back to it."""

    class Escapes(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(2, name="dense")

        def call(self, x):
            return self.dense(escape(x))

    with pytest.raises(TypeError, match="layer 'dense' received an array that no layer call made"):
        Escapes().predict(np.ones((3, 4)))


def test_saving_a_model_with_a_constant_says_what_to_use(tmp_path):
    class AddedPositions(Positions):
        def call(self, x):
            return Add()([self.tokens(x), self.positions(ops.arange(ops.shape(x)[-1]))])

    inputs = Input(shape=(5,))
    model = Model(inputs, Dense(2)(GlobalAveragePooling1D()(AddedPositions(5, 9, 3)(inputs))))
    with pytest.raises(TypeError, match="calls a layer on a constant .* use PositionEmbedding"):
        model.save(tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()
