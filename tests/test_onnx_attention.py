"""Transformers exported to ONNX: ONNX Runtime gives predict's outputs (rtol 1e-5 of the largest output in float32,
as tests/test_onnx_graphs.py); what the exporter does not write is refused by name."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import tinyframe.onnx as tfo  # noqa: E402
from tinyframe import Input, Model  # noqa: E402
from tinyframe.layers import (  # noqa: E402
    Add,
    Dense,
    Embedding,
    GlobalAveragePooling1D,
    LayerNormalization,
    MultiHeadAttention,
    PositionEmbedding,
    SinePositionEncoding,
    TokenAndPositionEmbedding,
)


def assert_agrees(model, *xs):
    session = tfo.session(model)
    names = [i.name for i in session.get_inputs()]
    out = session.run(None, dict(zip(names, xs)))[0]
    want = model.predict(list(xs) if len(xs) > 1 else xs[0], verbose=0)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def decoder(vocabulary=13, length=8, width=12, heads=3, blocks=2):
    """A GPT-like stack: token and position embeddings, pre-LayerNorm causal attention and GELU MLP blocks."""
    tokens = Input(shape=(length,))
    x = TokenAndPositionEmbedding(vocabulary, length, width, embeddings_initializer="random_normal")(tokens)
    for _ in range(blocks):
        h = LayerNormalization(epsilon=1e-5)(x)
        x = Add()([x, MultiHeadAttention(heads, width // heads)(h, h, use_causal_mask=True)])
        x = Add()([x, Dense(width)(Dense(4 * width, activation="gelu")(LayerNormalization(epsilon=1e-5)(x)))])
    return Model(tokens, Dense(vocabulary)(LayerNormalization(epsilon=1e-5)(x)), seed=0)


def test_a_decoder_transformer_runs_in_onnx_runtime_as_in_predict():
    model = decoder()
    assert_agrees(model, np.random.default_rng(0).integers(0, 13, (4, 8)))


def test_cross_attention_with_a_key_values_and_outputs_of_another_width():
    query, value, key = Input(shape=(5, 6)), Input(shape=(7, 4)), Input(shape=(7, 3))
    y = MultiHeadAttention(2, 3, value_dim=2, output_shape=9)(query, value, key=key)
    model = Model([query, value, key], GlobalAveragePooling1D()(y), seed=1)
    rng = np.random.default_rng(1)
    assert_agrees(model, *(rng.standard_normal((3, *s), dtype=np.float32) for s in ((5, 6), (7, 4), (7, 3))))


def test_fixed_and_learned_positions_on_features():
    features = Input(shape=(6, 4))
    x = Add()([features, SinePositionEncoding()(features), PositionEmbedding(6)(features)])
    model = Model(features, Dense(2)(MultiHeadAttention(2, 2, use_bias=False)(x, x)), seed=2)
    assert_agrees(model, np.random.default_rng(2).standard_normal((3, 6, 4), dtype=np.float32))


def test_what_is_not_written_is_refused_by_name():
    tokens = Input(shape=(5,))
    padded = Model(tokens, GlobalAveragePooling1D()(TokenAndPositionEmbedding(9, 5, 4, mask_zero=True)(tokens)))
    with pytest.raises(TypeError, match="padding masks .* are not written to ONNX"):
        tfo.to_onnx(padded)
    x, mask = Input(shape=(4, 3)), Input(shape=(4, 4))
    masked = Model([x, mask], MultiHeadAttention(1, 2)(x, x, attention_mask=mask))
    with pytest.raises(TypeError, match="an attention_mask input is not written to ONNX"):
        tfo.to_onnx(masked)
    words = Input(shape=(None,))
    h = Embedding(9, 4)(words)
    variable = Model(words, GlobalAveragePooling1D()(MultiHeadAttention(1, 2)(h, h, use_causal_mask=True)))
    with pytest.raises(TypeError, match="a causal call over a variable length is not written"):
        tfo.to_onnx(variable)
