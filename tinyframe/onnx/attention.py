"""Converters of attention and position layers: MultiHeadAttention, the position embeddings, Masking.

MultiHeadAttention, for ``query (m, T_q, d_q)`` and ``value``/``key`` ``(m, T_k, d)``, as its
NumPy forward (the kernels reshaped to ``(d, heads * size)`` matrices, Keras's layout)::

    Q = Transpose(Reshape(MatMul(query, Wq) + bq, [0, -1, h, k]), [0, 2, 1, 3])     (m, h, T_q, k)
    K' = Transpose(Reshape(MatMul(key, Wk) + bk, [0, -1, h, k]), [0, 2, 3, 1])      (m, h, k, T_k)
    V = Transpose(Reshape(MatMul(value, Wv) + bv, [0, -1, h, v]), [0, 2, 1, 3])     (m, h, T_k, v)
    A = Softmax(Where(causal, MatMul(Q, K') * 1/sqrt(k), -1e9), axis=-1)
    y = MatMul(Reshape(Transpose(MatMul(A, V), [0, 2, 1, 3]), [0, -1, h * v]), Wo) + bo

A causal call's mask is a constant ``(1, 1, T_q, T_k)``: its lengths must be fixed. A mask given
as an input of the graph, or a padding mask (``mask_zero``), is not written: such models are
refused, saying so.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from ..layers import Masking, MultiHeadAttention, PositionEmbedding, SinePositionEncoding, TokenAndPositionEmbedding
from ..layers.dot_product_attention import MASKED_SCORE
from .builder import GraphBuilder, converts


def _heads(b: GraphBuilder, layer: MultiHeadAttention, x: str, part: str, size: int, perm: list[int]) -> str:
    """One projection, split into heads and transposed by ``perm``."""
    W = layer.params[f"{part}_kernel"]
    z = b.op("MatMul", x, b.weight(layer, f"{part}_kernel", W.reshape(W.shape[0], -1)))
    if layer.use_bias:
        z = b.op("Add", z, b.weight(layer, f"{part}_bias", layer.params[f"{part}_bias"].reshape(-1)))
    z = b.op("Reshape", z, b.constant(np.array([0, -1, layer.num_heads, size], np.int64)))
    return b.transpose(z, perm)


@converts(MultiHeadAttention)
def multi_head_attention(b: GraphBuilder, layer: MultiHeadAttention, xs: list[str]) -> str:
    options = b.options or {}
    if len(xs) == 4:
        raise b.refuse("an attention_mask input is not written to ONNX; use use_causal_mask=True")
    query, value = xs[0], xs[1]
    key = xs[2] if len(xs) > 2 else value
    h, k, v = layer.num_heads, layer.key_dim, layer.value_dim
    Q = _heads(b, layer, query, "query", k, [0, 2, 1, 3])
    K = _heads(b, layer, key, "key", k, [0, 2, 3, 1])
    V = _heads(b, layer, value, "value", v, [0, 2, 1, 3])
    S = b.op("Mul", b.op("MatMul", Q, K), b.constant(np.array(1.0 / np.sqrt(k))))
    if options.get("use_causal_mask"):
        T_q, T_k = b.input_shape[0][0], b.input_shape[1][0]
        if T_q is None or T_k is None:
            raise b.refuse("a causal call over a variable length is not written to ONNX; give Input a length")
        S = b.op(
            "Where",
            b.constant(np.tri(T_q, T_k, dtype=bool)[None, None], dtype=bool),
            S,
            b.constant(np.array(MASKED_SCORE)),
        )
    A = b.op("Softmax", S, axis=-1)
    C = b.op("Reshape", b.transpose(b.op("MatMul", A, V), [0, 2, 1, 3]), b.constant(np.array([0, -1, h * v], np.int64)))
    Wo = layer.params["output_kernel"]
    y = b.op("MatMul", C, b.weight(layer, "output_kernel", Wo.reshape(-1, Wo.shape[-1])))
    return b.op("Add", y, b.weight(layer, "output_bias")) if layer.use_bias else y


def _positions(b: GraphBuilder, layer: object, name: str, length: int | None) -> str:
    if length is None:
        raise b.refuse("positions over a variable length are not written to ONNX; give Input a length")
    return b.weight(layer, name, layer.params[name][:length])


@converts(PositionEmbedding)
def position_embedding(b: GraphBuilder, layer: PositionEmbedding, x: str) -> str:
    table = _positions(b, layer, "embeddings", b.input_shape[0])
    return b.op("Expand", table, b.op("Shape", x))  # the rows for positions 0 ... T-1, for every sample


@converts(TokenAndPositionEmbedding)
def token_and_position_embedding(b: GraphBuilder, layer: TokenAndPositionEmbedding, x: str) -> str:
    if layer.mask_zero:
        raise b.refuse("padding masks (mask_zero=True) are not written to ONNX")
    if x not in b.integer_inputs:
        x = b.op("Cast", x, to=TensorProto.INT64)
    tokens = b.op("Gather", b.weight(layer, "embeddings"), x, axis=0)
    return b.op("Add", tokens, _positions(b, layer, "position_embeddings", b.input_shape[0]))


@converts(SinePositionEncoding)
def sine_position_encoding(b: GraphBuilder, layer: SinePositionEncoding, x: str) -> str:
    T, d = b.input_shape
    if T is None:
        raise b.refuse("positions over a variable length are not written to ONNX; give Input a length")
    return b.op("Expand", b.constant(layer.encoding(T, d)), b.op("Shape", x))


@converts(Masking)
def masking(b: GraphBuilder, layer: Masking, x: str) -> str:
    raise b.refuse("padding masks (Masking) are not written to ONNX")
