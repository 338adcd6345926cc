"""Converters of the merge layers: several input tensors in (``x`` is a list of names), one out.

``builder.input_shape`` is the list of the inputs' per-sample shapes. The arithmetic is the
layers' own, in their order, so a float64 graph agrees with ``predict`` to rounding:

==========================  ===============================================================
tinyframe                   ONNX
==========================  ===============================================================
Add, Subtract, Multiply,    Add, Sub, Mul, Max, Min folded from the left,
Maximum, Minimum            ``((x_1 + x_2) + x_3) + ...``, as the layer folds its ufunc
Average                     the Adds, then Div by n (the layer divides its sum by n)
broadcasting                an input of lower rank is first Unsqueezed to axes of size 1
                            right after the batch axis (Keras's rule); ONNX's own rule,
                            NumPy's, aligns from the last axis and would set a sample axis
                            against the batch
Concatenate(axis)           Concat(axis) (counted with the batch, as the layer counts it)
Dot(axes)                   Transpose x's dot axis last and y's first after the batch,
                            Reshape to (m, P, d) and (m, d, Q), MatMul, Reshape to the
                            layer's output (``(m, 1)`` when no axis remains)
Dot(normalize=True)         first each input x / Max(Sqrt(ReduceSum(x * x)), 1e-7) along its
                            dot axis: the layer's unit vectors, the norm floored as Keras's
==========================  ===============================================================
"""

from __future__ import annotations

import math

import numpy as np

from ..layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract
from ..layers.merging.dot import EPSILON
from .builder import GraphBuilder, converts

_FOLDED = {Add: "Add", Subtract: "Sub", Multiply: "Mul", Average: "Add", Maximum: "Max", Minimum: "Min"}


@converts(*_FOLDED)
def elementwise(b: GraphBuilder, layer, xs: list[str]) -> str:
    shapes = b.input_shape
    rank = max(len(s) for s in shapes)
    xs = [_after_batch(b, x, rank - len(s)) for x, s in zip(xs, shapes)]
    y = xs[0]
    for x in xs[1:]:
        y = b.op(_FOLDED[type(layer)], y, x)
    return b.op("Div", y, b.constant(float(len(xs)))) if isinstance(layer, Average) else y


def _after_batch(b: GraphBuilder, x: str, missing: int) -> str:
    """``x`` with ``missing`` axes of size 1 inserted after the batch axis: ``(m, *s)`` -> ``(m, 1, ..., 1, *s)``."""
    if missing == 0:
        return x
    return b.op("Unsqueeze", x, b.constant(np.arange(1, missing + 1, dtype=np.int64)))


@converts(Concatenate)
def concatenate(b: GraphBuilder, layer: Concatenate, xs: list[str]) -> str:
    return b.op("Concat", *xs, axis=layer._sample_axis(layer.axis, len(b.input_shape[0])))


@converts(Dot)
def dot(b: GraphBuilder, layer: Dot, xs: list[str]) -> str:
    (x, y), (sx, sy) = xs, b.input_shape
    a, c = layer._dot_axes(len(sx), len(sy))  # counted with the batch: >= 1
    if layer.normalize:
        x, y = _unit(b, x, a), _unit(b, y, c)
    rest_x, rest_y = sx[: a - 1] + sx[a:], sy[: c - 1] + sy[c:]
    d = sx[a - 1]
    X = _moved(b, x, len(sx) + 1, a, len(sx))  # (m, *rest_x, d)
    Y = _moved(b, y, len(sy) + 1, c, 1)  # (m, d, *rest_y)
    X = _reshaped(b, X, (*rest_x, d), (math.prod(rest_x), d))
    Y = _reshaped(b, Y, (d, *rest_y), (d, math.prod(rest_y)))
    out = layer.compute_output_shape([sx, sy])
    return _reshaped(b, b.op("MatMul", X, Y), (math.prod(rest_x), math.prod(rest_y)), out)


def _unit(b: GraphBuilder, x: str, axis: int) -> str:
    """``x / max(||x||, eps)`` along ``axis``: the layer's ``_unit``, in its order of operations."""
    norm = b.op("Sqrt", b.reduce("ReduceSum", b.op("Mul", x, x), [axis], keepdims=True))
    return b.op("Div", x, b.op("Max", norm, b.constant(EPSILON)))


def _moved(b: GraphBuilder, x: str, ndim: int, source: int, target: int) -> str:
    """``np.moveaxis(x, source, target)`` as a Transpose (none when the axis is already there)."""
    if source == target:
        return x
    perm = [i for i in range(ndim) if i != source]
    perm.insert(target, source)
    return b.transpose(x, perm)


def _reshaped(b: GraphBuilder, x: str, shape: tuple[int, ...], target: tuple[int, ...]) -> str:
    """``x`` of per-sample ``shape`` reshaped to ``target`` (none when they are the same)."""
    if tuple(shape) == tuple(target):
        return x
    return b.op("Reshape", x, b.constant(np.array([0, *target], np.int64)))
