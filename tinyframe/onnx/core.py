"""Converters of the core layers: Dense, Dropout, GaussianNoise, Flatten, Reshape, ZeroPadding, Embedding, Rescaling.

=====================  ==============================================================
tinyframe              ONNX
=====================  ==============================================================
Dense                  MatMul(x, W) + b, then its activation (MatMul takes any rank:
                       ``(m, ..., in) @ (in, out)``, as Dense's last-axis rule)
Dropout, GaussianNoise nothing: the identity at inference
Flatten                Flatten(axis=1): C order, so a channels-last tensor flattens in
                       channels-last order, as `Flatten` does
Reshape                Reshape(x, [0, *target]) (0: keep the batch size)
ZeroPadding1D/2D       Pad(x, [0, *lo, 0, 0, *hi, 0]) (constant zeros; none on batch, channels)
Embedding              Gather(embeddings, indices, axis=0); the indices are int64
Rescaling              Mul(x, scale) then Add(offset): constants, per-channel ones broadcast on
                       the last axis as NumPy does
=====================  ==============================================================
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from ..layers import (
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GaussianNoise,
    Rescaling,
    Reshape,
    ZeroPadding1D,
    ZeroPadding2D,
)
from .builder import GraphBuilder, converts


@converts(Dense)
def dense(b: GraphBuilder, layer: Dense, x: str) -> str:
    z = b.op("MatMul", x, b.weight(layer, "W"))
    if layer.use_bias:
        z = b.op("Add", z, b.weight(layer, "b"))
    return b.activation(layer.activation, z)


@converts(Dropout, GaussianNoise)
def identity_at_inference(b: GraphBuilder, layer, x: str) -> str:
    return x


@converts(Flatten)
def flatten(b: GraphBuilder, layer: Flatten, x: str) -> str:
    return b.op("Flatten", x, axis=1)


@converts(Reshape)
def reshape(b: GraphBuilder, layer: Reshape, x: str) -> str:
    target = layer.compute_output_shape(b.input_shape)  # the -1 resolved
    return b.op("Reshape", x, b.constant(np.array([0, *target], np.int64)))


@converts(ZeroPadding1D, ZeroPadding2D)
def zero_padding(b: GraphBuilder, layer, x: str) -> str:
    lo, hi = zip(*layer.padding)
    return b.op("Pad", x, b.constant(np.array([0, *lo, 0, 0, *hi, 0], np.int64)))


@converts(Embedding)
def embedding(b: GraphBuilder, layer: Embedding, x: str) -> str:
    if x != b.integer_input:  # floats (the model casts its inputs to its dtype): whole numbers, checked by predict
        x = b.op("Cast", x, to=TensorProto.INT64)
    return b.op("Gather", b.weight(layer, "embeddings"), x, axis=0)


@converts(Rescaling)
def rescaling(b: GraphBuilder, layer: Rescaling, x: str) -> str:
    return b.op("Add", b.op("Mul", x, b.constant(layer._scale)), b.constant(layer._offset))
