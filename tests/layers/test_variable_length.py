"""An axis of variable size, Keras's ``Input(shape=(None, 8))``: each batch has one length, the next another. The
layers that take any length run on each (recurrent layers, attention, pooling over time, Dense on the last
axis); the others, and weights that would depend on the length, are refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Input, Model, Sequential, load_model
from tinyframe.layers import (
    GRU,
    LSTM,
    Add,
    Dense,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    LayerNormalization,
    MultiHeadAttention,
    TokenAndPositionEmbedding,
)
from tinyframe.streams import PyDataset


class Lengths(PyDataset):
    """Batches of 4 sequences, of 3, 7 and 5 steps in turn; the target is the mean of the first feature."""

    def __init__(self, features=None, vocabulary=None):
        super().__init__()
        self.features, self.vocabulary = features, vocabulary
        self.rng = np.random.default_rng(0)

    def __len__(self):
        return 3

    def __getitem__(self, i):
        length = (3, 7, 5)[i]
        if self.vocabulary:
            x = self.rng.integers(1, self.vocabulary, (4, length))
            return x, (x % 2).mean(axis=1, keepdims=True)
        x = self.rng.standard_normal((4, length, self.features))
        return x, x[:, :, :1].mean(axis=1)


def test_a_recurrent_sequential_trains_and_predicts_on_any_length():
    model = Sequential([Input(shape=(None, 3)), LSTM(6, return_sequences=True), GRU(4), Dense(1)], seed=0)
    assert model.input_shape == (None, 3) and model.output_shape == (1,)
    model.compile(loss="mse", optimizer="adam")
    history = model.fit(Lengths(features=3), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    for length in (1, 4, 9):
        assert model.predict(np.zeros((2, length, 3)), verbose=0).shape == (2, 1)


def attention_model():
    tokens = Input(shape=(None,))
    x = Embedding(11, 8, mask_zero=True)(tokens)
    x = LayerNormalization()(Add()([x, MultiHeadAttention(2, 4)(x, x, use_causal_mask=True)]))
    return Model(tokens, Dense(1)(GlobalAveragePooling1D()(x)), dtype="float64", seed=0)


def test_attention_over_any_length_equals_the_same_model_of_a_fixed_length(tmp_path):
    model = attention_model()
    model.compile(loss="mse", optimizer="adam")
    model.fit(Lengths(vocabulary=11), epochs=2, verbose=0)
    X = np.random.default_rng(1).integers(1, 11, (3, 6))
    tokens = Input(shape=(6,))
    x = Embedding(11, 8, mask_zero=True)(tokens)
    x = LayerNormalization()(Add()([x, MultiHeadAttention(2, 4)(x, x, use_causal_mask=True)]))
    fixed = Model(tokens, Dense(1)(GlobalAveragePooling1D()(x)), dtype="float64", seed=1)
    fixed.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(X, verbose=0), fixed.predict(X, verbose=0), rtol=1e-12)
    model.save(tmp_path / "m.npz")
    again = load_model(tmp_path / "m.npz")
    assert again.inputs[0].shape == (None, None)
    np.testing.assert_allclose(again.predict(X[:, :4], verbose=0), model.predict(X[:, :4], verbose=0), rtol=1e-12)


def test_positions_are_checked_batch_by_batch():
    tokens = Input(shape=(None,))
    model = Model(tokens, Dense(1)(GlobalAveragePooling1D()(TokenAndPositionEmbedding(9, 5, 4)(tokens))), seed=0)
    assert model.predict(np.ones((2, 5), int), verbose=0).shape == (2, 1)
    with pytest.raises(ValueError, match=r"positions 0..5 do not fit: the layer has 5 positions"):
        model.predict(np.ones((2, 6), int), verbose=0)


def test_what_needs_a_fixed_size_is_refused_by_name():
    with pytest.raises(ValueError, match=r"Flatten: takes inputs of fixed sizes only\. Received: \(None, None, 3\)"):
        Flatten()(Input(shape=(None, 3)))
    with pytest.raises(ValueError, match=r"the last axis \(the features\) must have a fixed size"):
        Dense(2)(Input(shape=(4, None)))
    with pytest.raises(ValueError, match=r"layer 1 \(flatten\): flatten: takes inputs of fixed sizes only"):
        Sequential([Input(shape=(None, 3)), LSTM(2, return_sequences=True), Flatten()])
    model = Sequential([Input(shape=(None, 3)), GlobalAveragePooling1D()])
    with pytest.raises(ValueError, match=r"the model takes inputs of shape \(None, None, 3\). Received: shape"):
        model.predict(np.zeros((2, 4, 2)), verbose=0)


def test_keras_s_batch_shape_and_batch_size_spellings_of_input():
    """keras.io's functional API guide writes ``Input(batch_shape=(batch, timesteps, features))``."""
    assert Input(batch_shape=(32, 10, 8)).shape == (None, 10, 8)
    assert Input(batch_shape=(None, None, 8)).shape == (None, None, 8)
    assert Input(shape=(4,), batch_size=16).shape == (None, 4)
    with pytest.raises(ValueError, match="give shape or batch_shape, not both"):
        Input(shape=(4,), batch_shape=(None, 4))
    with pytest.raises(ValueError, match=r"batch_shape is \(batch, \*shape\)"):
        Input(batch_shape=(8,))
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        Input(shape=(4,), batch_size=2.5)
    with pytest.raises(TypeError, match="give the shape of one sample"):
        Input()
