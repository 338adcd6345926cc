"""Converters of the core layers: Dense, Dropout, GaussianNoise, the shape layers, Embedding, Rescaling.

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
Cropping1D/2D          Slice(x, starts=lo, ends=n - hi) on the spatial axes
UpSampling1D/2D        Reshape to (m, n_1, 1, ..., n_r, 1, c), Expand the 1s to the sizes, Reshape
                       back to (m, n_1 s_1, ..., c): each value copied into its block, in float64 too
RepeatVector           Unsqueeze(x, [1]) to (m, 1, f), then Expand to (m, n, f)
Embedding              Gather(embeddings, indices, axis=0); the indices are int64
Rescaling              Mul(x, scale) then Add(offset): constants, per-channel ones broadcast on
                       the last axis as NumPy does
=====================  ==============================================================
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from ..layers import (
    Cropping1D,
    Cropping2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GaussianNoise,
    RepeatVector,
    Rescaling,
    Reshape,
    UpSampling1D,
    UpSampling2D,
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


@converts(Cropping1D, Cropping2D)
def cropping(b: GraphBuilder, layer, x: str) -> str:
    lo, hi = zip(*layer.cropping)
    ends = [n - h for n, h in zip(b.input_shape, hi)]
    axes = list(range(1, layer.rank + 1))
    return b.op("Slice", x, *(b.constant(np.array(v, np.int64)) for v in (lo, ends, axes)))


@converts(UpSampling1D, UpSampling2D)
def upsampling(b: GraphBuilder, layer, x: str) -> str:
    spatial, c = b.input_shape[:-1], b.input_shape[-1]
    ones = [d for n in spatial for d in (n, 1)]  # (n_1, 1, ..., n_r, 1): a block axis of size 1 after each axis
    sizes = [d for s in layer._factors for d in (1, s)]
    blocks = b.op("Reshape", x, b.constant(np.array([0, *ones, c], np.int64)))
    copies = b.op("Expand", blocks, b.constant(np.array([1, *sizes, 1], np.int64)))
    out = layer.compute_output_shape(b.input_shape)
    return b.op("Reshape", copies, b.constant(np.array([0, *out], np.int64)))


@converts(RepeatVector)
def repeat_vector(b: GraphBuilder, layer: RepeatVector, x: str) -> str:
    column = b.op("Unsqueeze", x, b.constant(np.array([1], np.int64)))
    return b.op("Expand", column, b.constant(np.array([1, layer.n, 1], np.int64)))


@converts(Embedding)
def embedding(b: GraphBuilder, layer: Embedding, x: str) -> str:
    if x not in b.integer_inputs:  # floats (the model casts its inputs to its dtype): whole numbers, checked by predict
        x = b.op("Cast", x, to=TensorProto.INT64)
    return b.op("Gather", b.weight(layer, "embeddings"), x, axis=0)


@converts(Rescaling)
def rescaling(b: GraphBuilder, layer: Rescaling, x: str) -> str:
    return b.op("Add", b.op("Mul", x, b.constant(layer._scale)), b.constant(layer._offset))
