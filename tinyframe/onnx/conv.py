"""Converters of the convolution and pooling layers (channels last in tinyframe, channels first in ONNX).

The graph stays channels last between layers, as the model is; only ONNX's Conv,
MaxPool and AveragePool, which read ``(m, c, *spatial)``, are wrapped in a pair of
Transposes (ONNX Runtime's optimiser cancels a pair that meets between two of them).
So a Flatten or a Dense after a convolution sees the layout the model saw.

==================  ==================================================================
tinyframe           ONNX
==================  ==================================================================
Conv1D/2D           Transpose, Conv(W as (f, c, *k), b, strides, dilations,
                    pads = TensorFlow's "same" padding, explicit and asymmetric:
                    the odd zero after), Transpose back, then the activation
Conv1D/2DTranspose  Transpose, ConvTranspose(W as (c, f, *k), b, strides, pads = the cut
                    ``lo`` before and what is cut after, output_padding = the positions
                    "valid" (or "same" with strides above the kernel) keeps past the
                    last kernel), Transpose back, then the activation
MaxPooling1D/2D     Transpose, MaxPool(kernel_shape, strides, pads), Transpose back
                    (ONNX's MaxPool ignores its padding cells, as the -inf frame does)
AveragePooling1D/2D the same with AveragePool(count_include_pad=0): a "same" window's
                    mean over its real cells only, as Keras
GlobalAverage/Max   ReduceMean/ReduceMax over the spatial axes (keepdims as the layer)
==================  ==================================================================

ONNX Runtime has no float64 kernel for Conv, ConvTranspose and AveragePool: in a float64 model they
run in float32 between two Casts (`GraphBuilder.float32_op`).
"""

from __future__ import annotations

import numpy as np

from ..layers import (
    AveragePooling1D,
    AveragePooling2D,
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .builder import GraphBuilder, converts


def channels_first(b: GraphBuilder, x: str, rank: int) -> str:
    return b.transpose(x, [0, rank + 1, *range(1, rank + 1)])


def channels_last(b: GraphBuilder, x: str, rank: int) -> str:
    return b.transpose(x, [0, *range(2, rank + 2), 1])


@converts(Conv1D, Conv2D)
def conv(b: GraphBuilder, layer, x: str) -> str:
    r = layer.rank
    geometry = layer._windows.geometry((1, *b.input_shape))
    kernel = np.transpose(layer.params["W"], (r + 1, r, *range(r)))  # (*k, c, f) -> (f, c, *k)
    inputs = [channels_first(b, x, r), b.weight(layer, "W", kernel)]
    if layer.use_bias:
        inputs.append(b.weight(layer, "b"))
    z = b.float32_op(
        "Conv",
        *inputs,
        kernel_shape=list(layer.kernel_size),
        strides=list(layer.strides),
        dilations=list(layer.dilation_rate),
        pads=[*geometry.lo, *geometry.hi],
    )
    return b.activation(layer.activation, channels_last(b, z, r))


@converts(Conv1DTranspose, Conv2DTranspose)
def conv_transpose(b: GraphBuilder, layer, x: str) -> str:
    r, spatial = layer.rank, tuple(b.input_shape[:-1])
    out, lo, _ = layer.geometry(spatial)
    full = [(n - 1) * s + k for n, s, k in zip(spatial, layer.strides, layer.kernel_size)]
    after = [f - a - o for f, a, o in zip(full, lo, out)]  # < 0: positions kept past the last kernel
    kernel = np.transpose(layer.params["W"], (r + 1, r, *range(r)))  # (*k, f, c) -> (c, f, *k)
    inputs = [channels_first(b, x, r), b.weight(layer, "W", kernel)]
    if layer.use_bias:
        inputs.append(b.weight(layer, "b"))
    z = b.float32_op(
        "ConvTranspose",
        *inputs,
        kernel_shape=list(layer.kernel_size),
        strides=list(layer.strides),
        pads=[*lo, *(max(a, 0) for a in after)],
        output_padding=[max(-a, 0) for a in after],
    )
    return b.activation(layer.activation, channels_last(b, z, r))


@converts(MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D)
def pooling(b: GraphBuilder, layer, x: str) -> str:
    r, spatial = layer.rank, tuple(b.input_shape[:-1])
    _, before, padded = layer.geometry(spatial)
    after = [p - n - lo for p, n, lo in zip(padded, spatial, before)]
    attrs = {"kernel_shape": list(layer.pool_size), "strides": list(layer.strides), "pads": [*before, *after]}
    x = channels_first(b, x, r)
    if layer.mode == "max":
        y = b.op("MaxPool", x, **attrs)
    else:
        y = b.float32_op("AveragePool", x, count_include_pad=0, **attrs)
    return channels_last(b, y, r)


@converts(GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D)
def global_pooling(b: GraphBuilder, layer, x: str) -> str:
    op = "ReduceMean" if layer.mode == "average" else "ReduceMax"
    return b.reduce(op, x, list(range(1, layer.rank + 1)), layer.keepdims)
