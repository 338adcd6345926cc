"""Converters of the activations (`tinyframe.activations`): each formula as ONNX nodes.

ONNX Runtime's CPU kernels for Elu, Selu, Softplus and Erf are float32 only, so ELU,
SELU and Softplus are written with elementary operators (Exp, Log, Min, Where: float32
and float64 kernels), the same formulas as their NumPy kernels; GELU's Erf runs in
float32 inside a float64 graph (`GraphBuilder.float32_op`).

================  =====================================================================
tinyframe         ONNX
================  =====================================================================
Sigmoid, ReLU     Sigmoid, Relu
Tanh, Identity    Tanh, Identity
LeakyReLU(a)      LeakyRelu(alpha=a); Max(z, a z) in float64 when a is no float32 (ONNX's attribute is)
Softmax           Softmax(axis=-1)
ELU(a), SELU      scale * Where(z > 0, z, a * (Exp(Min(z, 0)) - 1))
Softplus          Relu(z) + Log(1 + Exp(-|z|))
Swish             z * Sigmoid(z)
GELU exact        z * 0.5 * (1 + Erf(z / sqrt(2)))
GELU tanh         c = Clip(z, -30, 30);  z * Sigmoid(2 sqrt(2/pi) (1 + 0.044715 c**2) c)
================  =====================================================================
"""

from __future__ import annotations

import math

import numpy as np

from ..activations import ELU, GELU, SELU, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Swish, Tanh
from ..activations.gelu import CUBIC, TANH_CLIP, TANH_SCALE
from .builder import GraphBuilder, converts

_SAME_NAME = {Sigmoid: "Sigmoid", ReLU: "Relu", Tanh: "Tanh", Identity: "Identity"}


@converts(*_SAME_NAME)
def elementwise(b: GraphBuilder, layer, x: str) -> str:
    return b.op(_SAME_NAME[type(layer)], x)


@converts(LeakyReLU)
def leaky_relu(b: GraphBuilder, layer: LeakyReLU, x: str) -> str:
    if b.dtype == np.float32 or float(np.float32(layer.alpha)) == layer.alpha:
        return b.op("LeakyRelu", x, alpha=float(layer.alpha))
    # an ONNX float attribute is float32: a float64 model's alpha = 0.1 is the layer's own formula instead
    return b.op("Max", x, b.op("Mul", x, b.constant(layer.alpha)))


@converts(Softmax)
def softmax(b: GraphBuilder, layer: Softmax, x: str) -> str:
    return b.op("Softmax", x, axis=-1)


@converts(ELU, SELU)
def elu(b: GraphBuilder, layer: ELU, x: str) -> str:
    zero = b.constant(0.0)
    negative = b.op("Sub", b.op("Exp", b.op("Min", x, zero)), b.constant(1.0))
    negative = b.op("Mul", negative, b.constant(layer.alpha))
    y = b.op("Where", b.op("Greater", x, zero), x, negative)
    return y if layer.scale == 1.0 else b.op("Mul", y, b.constant(layer.scale))


@converts(Softplus)
def softplus(b: GraphBuilder, layer: Softplus, x: str) -> str:
    tail = b.op("Exp", b.op("Neg", b.op("Abs", x)))  # in (0, 1]: never overflows
    return b.op("Add", b.op("Relu", x), b.op("Log", b.op("Add", tail, b.constant(1.0))))


@converts(Swish)
def swish(b: GraphBuilder, layer: Swish, x: str) -> str:
    return b.op("Mul", x, b.op("Sigmoid", x))


@converts(GELU)
def gelu(b: GraphBuilder, layer: GELU, x: str) -> str:
    if layer.approximate:
        c = b.op("Clip", x, b.constant(-TANH_CLIP), b.constant(TANH_CLIP))
        poly = b.op("Add", b.op("Mul", b.op("Mul", c, c), b.constant(CUBIC)), b.constant(1.0))
        gate = b.op("Sigmoid", b.op("Mul", b.op("Mul", poly, c), b.constant(TANH_SCALE)))  # sigmoid(2u)
    else:
        erf = b.float32_op("Erf", b.op("Mul", x, b.constant(math.sqrt(0.5))))
        gate = b.op("Mul", b.op("Add", erf, b.constant(1.0)), b.constant(0.5))
    return b.op("Mul", x, gate)
