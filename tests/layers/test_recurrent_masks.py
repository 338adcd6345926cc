"""Recurrent layers honour masks as Keras's do: a masked step keeps the state (and an LSTM's cell state), so padding
at either end changes no output and no gradient; central differences through masked steps; Keras 3 as an oracle."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Input, Model
from tinyframe.gradcheck import check_model, numerical_gradient, relative_error
from tinyframe.layers import GRU, LSTM, Bidirectional, Dense, Embedding, GlobalAveragePooling1D, Masking, SimpleRNN

LAYERS = {
    "LSTM": lambda seq: LSTM(3, return_sequences=seq),
    "GRU": lambda seq: GRU(3, return_sequences=seq),
    "SimpleRNN": lambda seq: SimpleRNN(3, return_sequences=seq),
    "Bidirectional(LSTM)": lambda seq: Bidirectional(LSTM(2, return_sequences=seq)),
}


def model(kind, length, sequences):
    tokens = Input(shape=(length,))
    x = LAYERS[kind](sequences)(Embedding(8, 4, mask_zero=True)(tokens))
    if sequences:
        x = GlobalAveragePooling1D()(x)  # the mean of the data steps
    return Model(tokens, Dense(2)(x), dtype="float64", seed=0)


def gradients(model, X, y):
    model._ensure_compiled()
    model.loss.forward(model.forward(X), y)
    model.backward(model.loss.backward(), input_grad=False)
    return [g.copy() for g in model.grads]


@pytest.mark.parametrize("sequences", [False, True], ids=["last state", "sequences"])
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_padding_at_either_end_changes_no_output_and_no_gradient(kind, sequences):
    words = np.array([[3, 5, 1, 7]])
    y = np.array([[0.5, -1.0]])
    short = model(kind, 4, sequences)
    short.compile(loss="mse")
    short.predict(words, verbose=0)
    want, want_grads = short.predict(words, verbose=0), gradients(short, words, y)
    for end in ("after", "before"):  # through leading padding the state stays 0, where it starts
        padded = model(kind, 7, sequences)
        padded.compile(loss="mse")
        X = np.concatenate([words, np.zeros((1, 3), int)] if end == "after" else [np.zeros((1, 3), int), words], 1)
        padded.predict(X, verbose=0)
        padded.set_weights(short.get_weights())
        np.testing.assert_allclose(padded.predict(X, verbose=0), want, rtol=1e-12, err_msg=end)
        for g, h in zip(gradients(padded, X, y), want_grads):
            np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-14, err_msg=end)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_masked_steps_check_against_central_differences(kind):
    features = Input(shape=(5, 2))
    x = LAYERS[kind](True)(Masking()(features))
    net = Model(features, Dense(1)(GlobalAveragePooling1D()(x)), dtype="float64", seed=1)
    net.compile(loss="mse")
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3, 5, 2))
    X[0, 3:] = 0.0  # padding at the end of sample 0, a masked step inside sample 2
    X[2, 1] = 0.0
    y = rng.standard_normal((3, 1))
    result = check_model(net, X, y)
    assert all(e < 1e-6 for k, e in result.errors.items() if k != "input"), str(result)

    def J():  # the input's gradient at the data steps: changing a masked (all-zero) step unmasks it
        return float(net.loss.forward(net.forward(X), y))

    J0 = J()
    analytic = net.backward(net.loss.backward(), input_grad=True)
    kept = np.any(X != 0.0, axis=-1)
    assert not np.any(analytic[~kept])
    assert relative_error(analytic[kept], numerical_gradient(J, X)[kept], J0) < 1e-6


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_keras_masks_the_same_steps(keras, kind):
    """Masking then a recurrent layer, Keras's weights copied in: the same sequences, padding and gaps included."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3, 6, 2)).astype("float32")
    X[0, 4:] = 0.0
    X[1, :2] = 0.0
    X[2, 3] = 0.0
    recurrent = getattr(keras.layers, kind)(4, return_sequences=True)
    theirs = keras.Sequential([keras.Input((6, 2)), keras.layers.Masking(), recurrent])
    features = Input(shape=(6, 2))
    layer = {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": SimpleRNN}[kind](4, return_sequences=True)
    ours = Model(features, layer(Masking()(features)), seed=0)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    want = np.asarray(theirs(X).detach())
    np.testing.assert_allclose(ours.predict(X, verbose=0), want, rtol=1e-4, atol=1e-5)
