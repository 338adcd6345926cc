"""Converters of BatchNormalization, LayerNormalization and Normalization, written as the layers compute them.

Both are elementwise arithmetic (Sub, Mul, Add, and ReduceMean for LayerNormalization),
not ONNX's BatchNormalization and LayerNormalization operators: tinyframe normalises
over any ``axis`` (ONNX's BatchNormalization wants the channels on axis 1, its
LayerNormalization the trailing axes, while ``LayerNormalization(axis=1)`` of a
``(m, T, d)`` input is neither), and the arithmetic is the layers' own order of
operations, with float32 and float64 kernels in ONNX Runtime::

    BatchNormalization (running statistics):
        y = (x - moving_mean) * (1 / sqrt(moving_variance + epsilon)) * gamma + beta
    LayerNormalization (each sample's statistics over the ``axis`` axes):
        mu = ReduceMean(x);  d = x - mu;  var = ReduceMean(d * d)
        y = d * (1 / sqrt(var + epsilon)) * gamma + beta
    Normalization (fixed statistics; s = max(sqrt(variance), 1e-7), a constant computed at export):
        y = (x - mean) / s                  (invert=True: y = x * s + mean)

``gamma``, ``beta`` and the statistics are initializers in the layer's broadcast shape
(the batch axis dropped: ``(c,)`` for the default ``axis=-1``).
"""

from __future__ import annotations

from ..layers import BatchNormalization, LayerNormalization, Normalization
from .builder import GraphBuilder, converts


def _scale_shift(b: GraphBuilder, layer, xhat: str) -> str:
    shape = layer._broadcast[1:]
    if layer.scale:
        xhat = b.op("Mul", xhat, b.weight(layer, "gamma", layer.params["gamma"].reshape(shape)))
    if layer.center:
        xhat = b.op("Add", xhat, b.weight(layer, "beta", layer.params["beta"].reshape(shape)))
    return xhat


def _inverse_std(b: GraphBuilder, layer, var: str) -> str:
    return b.op("Reciprocal", b.op("Sqrt", b.op("Add", var, b.constant(layer.epsilon))))


@converts(BatchNormalization)
def batch_normalization(b: GraphBuilder, layer: BatchNormalization, x: str) -> str:
    shape = layer._broadcast[1:]
    mean = b.weight(layer, "moving_mean", layer.state["moving_mean"].reshape(shape))
    var = b.weight(layer, "moving_variance", layer.state["moving_variance"].reshape(shape))
    xhat = b.op("Mul", b.op("Sub", x, mean), _inverse_std(b, layer, var))
    return _scale_shift(b, layer, xhat)


@converts(LayerNormalization)
def layer_normalization(b: GraphBuilder, layer: LayerNormalization, x: str) -> str:
    axes = list(layer._reduced)
    d = b.op("Sub", x, b.reduce("ReduceMean", x, axes, True))
    var = b.reduce("ReduceMean", b.op("Mul", d, d), axes, True)
    return _scale_shift(b, layer, b.op("Mul", d, _inverse_std(b, layer, var)))


@converts(Normalization)
def normalization(b: GraphBuilder, layer: Normalization, x: str) -> str:
    ndim = len(b.input_shape) + 1
    mean = b.weight(layer, "mean", layer.state["mean"].reshape(layer._shape_for(ndim)[1:]))
    s = b.constant(layer._std(ndim).reshape(layer._shape_for(ndim)[1:]))  # the layer's own divisor, epsilon included
    return b.op("Add", b.op("Mul", x, s), mean) if layer.invert else b.op("Div", b.op("Sub", x, mean), s)
