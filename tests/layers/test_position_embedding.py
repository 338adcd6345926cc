"""Position information: PositionEmbedding, TokenAndPositionEmbedding and SinePositionEncoding against central
differences, plain-loop references and the paper's formula; refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Input, Model
from tinyframe.gradcheck import check_model, numerical_gradient, relative_error
from tinyframe.layers import (
    Add,
    Dense,
    Embedding,
    GlobalAveragePooling1D,
    PositionEmbedding,
    SinePositionEncoding,
    TokenAndPositionEmbedding,
)

TOL = 1e-6


def parameter_errors(layer, x, options, seed=0):
    """Relative errors of each parameter's gradient of ``J = sum(r * y)`` against central differences."""
    r = np.random.default_rng(seed).standard_normal(layer.forward(x, **options).shape)
    layer.backward(r)
    analytic = {k: g.copy() for k, g in layer.grads.items()}

    def J():
        return float(np.sum(r * layer.forward(x, **options)))

    return {k: relative_error(analytic[k], numerical_gradient(J, w), J()) for k, w in layer.params.items()}


@given(
    m=st.integers(1, 3),
    T=st.integers(1, 5),
    width=st.integers(1, 4),
    spare=st.integers(0, 3),
    start=st.integers(0, 3),
)
def test_position_embedding_gradients_and_loop_reference(m, T, width, spare, start):
    start = min(start, spare)
    layer = PositionEmbedding(T + spare).build((T, width), dtype="float64", rng=0)
    x = np.random.default_rng(1).standard_normal((m, T, width))
    y = layer.forward(x, start_index=start)
    P = layer.params["embeddings"]
    for b in range(m):
        for t in range(T):
            assert np.array_equal(y[b, t], P[start + t])
    assert max(parameter_errors(layer, x, {"start_index": start}).values()) < TOL
    assert not np.any(layer.backward(np.ones_like(y)))  # the output does not depend on x's values


@given(m=st.integers(1, 3), T=st.integers(1, 5), vocabulary=st.integers(1, 6), width=st.integers(1, 4))
def test_token_and_position_embedding_is_the_sum_of_its_two_lookups(m, T, vocabulary, width):
    layer = TokenAndPositionEmbedding(vocabulary, T + 1, width).build((T,), dtype="float64", rng=0)
    x = np.random.default_rng(2).integers(0, vocabulary, (m, T))
    W, P = layer.get_weights()
    y = layer.forward(x, start_index=1)
    for b in range(m):
        for t in range(T):
            np.testing.assert_allclose(y[b, t], W[x[b, t]] + P[1 + t], rtol=1e-15)
    assert max(parameter_errors(layer, x, {"start_index": 1}).values()) < TOL


def test_sine_position_encoding_follows_the_formula():
    """The paper's formula, one number at a time with math.sin and math.cos (keras_hub interleaves them)."""
    layer = SinePositionEncoding(max_wavelength=100.0)
    y = layer(np.zeros((2, 5, 6)))
    for t in range(5):
        for i in range(6):
            angle = t / 100.0 ** (2 * (i // 2) / 6)
            assert y[1, t, i] == pytest.approx(math.sin(angle) if i % 2 == 0 else math.cos(angle), rel=1e-12)
    shifted = layer.forward(np.zeros((1, 2, 6)), start_index=3)
    np.testing.assert_allclose(shifted[0], y[0, 3:5], rtol=1e-12)
    assert not np.any(layer.backward(np.ones_like(y)))


def test_a_model_with_position_embeddings_checks_against_central_differences():
    tokens = Input(shape=(4,))
    x = TokenAndPositionEmbedding(7, 4, 3)(tokens)
    x = Add()([x, SinePositionEncoding()(x), PositionEmbedding(6)(x)])
    model = Model(tokens, Dense(2)(GlobalAveragePooling1D()(x)), dtype="float64", seed=0)
    model.compile(loss="mse")
    X = np.random.default_rng(3).integers(0, 7, (5, 4))
    result = check_model(model, X, np.random.default_rng(4).standard_normal((5, 2)))
    assert "input" not in result.errors and result.max_error < TOL, str(result)  # indices: no input gradient


def test_token_and_position_embedding_equals_an_embedding_plus_a_position_embedding():
    layer = TokenAndPositionEmbedding(9, 5, 4).build((5,), dtype="float64", rng=0)
    tokens = Embedding(9, 4).build((5,), dtype="float64")
    positions = PositionEmbedding(5).build((5, 4), dtype="float64")
    W, P = layer.get_weights()
    tokens.set_weights([W])
    positions.set_weights([P])
    x = np.random.default_rng(5).integers(0, 9, (3, 5))
    embedded = tokens.forward(x).copy()
    np.testing.assert_array_equal(layer.forward(x), embedded + positions.forward(embedded))


def test_refusals():
    with pytest.raises(ValueError, match=r"positions 0..6 do not fit: the layer has 4 positions"):
        PositionEmbedding(4).compute_output_shape((7, 3))
    layer = PositionEmbedding(4).build((3, 2), dtype="float64")
    with pytest.raises(ValueError, match=r"positions 2..4 do not fit"):
        layer.forward(np.zeros((1, 3, 2)), start_index=2)
    with pytest.raises(ValueError, match="start_index must be an integer >= 0"):
        layer.forward(np.zeros((1, 3, 2)), start_index=-1)
    with pytest.raises(ValueError, match=r"expected token indices \(batch, time\)"):
        TokenAndPositionEmbedding(5, 4, 2).compute_output_shape((4, 2))
    with pytest.raises(ValueError, match="indices must be whole numbers in \\[0, 5\\)"):
        TokenAndPositionEmbedding(5, 4, 2)(np.array([[1, 5]]))
    with pytest.raises(ValueError, match=r"expected inputs \(batch, time, features\)"):
        SinePositionEncoding().compute_output_shape((4,))
