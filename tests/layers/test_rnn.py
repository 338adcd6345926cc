"""RNN(cell): Keras's spelling of the recurrent layers, the same layers and numbers."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Sequential
from tinyframe.layers import GRU, LSTM, RNN, Dense, GRUCell, Input, LSTMCell, SimpleRNN, SimpleRNNCell


@pytest.mark.parametrize(("cell", "layer"), [(SimpleRNNCell, SimpleRNN), (GRUCell, GRU), (LSTMCell, LSTM)])
def test_rnn_of_a_cell_is_the_recurrent_layer_with_the_same_numbers(cell, layer):
    X = np.random.default_rng(0).standard_normal((4, 5, 3))
    a = Sequential([Input((5, 3)), RNN(cell(6), return_sequences=True), Dense(2)], dtype="float64", seed=1)
    b = Sequential([Input((5, 3)), layer(6, return_sequences=True), Dense(2)], dtype="float64", seed=1)
    assert type(a.layers[0]) is layer
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_cells_keep_their_arguments_and_unsupported_ones_are_refused():
    assert RNN(LSTMCell(4, activation="relu")).activation.__class__.__name__ == "ReLU"
    with pytest.raises(ValueError, match="stack recurrent layers instead"):
        RNN([LSTMCell(4), LSTMCell(4)])
    with pytest.raises(TypeError, match="SimpleRNNCell, GRUCell or LSTMCell"):
        RNN(Dense(4))
    with pytest.raises(ValueError, match="dropout"):
        LSTMCell(4, dropout=0.5)
