"""to_onnx and export: a built `Sequential` or functional `Model` as an ONNX graph, checked, then written atomically."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper

from .._archive import write_atomically
from .._ownership import reading
from ..layers import Embedding
from ..layers.base import trace_shapes
from . import activations, attention, conv, core, merging, normalization, recurrent  # noqa: F401  (they fill CONVERTERS)
from .builder import BATCH, INPUT, OUTPUT, GraphBuilder, converter_for, describe
from .functional import functional_graph

DEFAULT_OPSET = 17  # LayerNormalization's opset; ONNX Runtime reads it from 1.13 on (1.17+: opsets up to 20)


def to_onnx(model: Any, opset: int | None = None) -> onnx.ModelProto:
    """The ONNX model of a built `Sequential` or functional `Model`, batch axis ``"batch"``.

    A `Sequential` has input ``"input"`` and output ``"output"``. A functional model has one
    input per `Input`, named as it is, and one output ``"output"``, or for several outputs
    one per output named after the layer that makes it (`functional` says more: shared
    layers, names already taken). The graph computes what ``model.predict`` computes
    (inference: Dropout and GaussianNoise are the identity, BatchNormalization uses its
    running statistics), in the model's dtype; an input that feeds only an `Embedding` (a
    Sequential's first layer) takes int64 indices. The weights are initializers named after
    their layer (``"dense/W"``, ``"dense/b"``), once however many nodes use them. The result
    passes ``onnx.checker.check_model(..., full_check=True)`` (checked here).

    Args:
        model: a built `tinyframe.Sequential`, or a functional `tinyframe.Model`.
        opset: the ONNX opset of the default domain, 17 (the default) or later.

    Raises:
        TypeError: naming the first layer that has no converter and no ``to_onnx`` method, or
            an op of `tinyframe.ops`; a subclassed model (its ``call`` is code, not a graph).
        ValueError: the model is not built, or the opset is out of range.
    """
    opset = _check_opset(opset)
    if hasattr(model, "_graph") and model._graph is None:  # a Sequential has no _graph, a functional Model a Graph
        raise TypeError(
            f"to_onnx: {model.name!r} is a subclassed Model, which cannot be exported: its architecture is the "
            "code of its call(), which ONNX does not hold. Build the same network as a functional Model "
            "(Input, layer calls, Model(inputs, outputs)), copy the weights with set_weights, and export that"
        )
    b, inputs, outputs = (functional_graph if hasattr(model, "_graph") else _sequential_graph)(model, opset)
    graph = helper.make_graph(b.nodes, model.name, inputs, outputs, list(b.initializers.values()))
    from .. import __version__

    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name="tinyframe",
        producer_version=__version__,
        ir_version=helper.find_min_ir_version_for(opsets),  # the oldest IR that has the opset: older runtimes read it
    )
    if b.float32_ops:
        ops = ", ".join(sorted(b.float32_ops))
        proto.doc_string = f"Computed in float32 inside this float64 graph (no float64 kernel in ONNX Runtime): {ops}"
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _sequential_graph(model: Any, opset: int) -> tuple[GraphBuilder, list, list]:
    """A `Sequential`'s layers, one after another, from ``"input"`` to ``"output"``: the builder, input, output."""
    model._require_built("to_onnx")
    layers, shapes = model.layers, trace_shapes(model.layers, model.input_shape)
    for i, layer in enumerate(layers):  # every layer refused before any node is made
        if converter_for(layer) is None:
            raise TypeError(
                f"Cannot export layer {i} ({describe(layer)}) to ONNX: tinyframe has no converter for "
                f"{type(layer).__name__}; define to_onnx(self, builder, x) -> str on it (see tinyframe.onnx)"
            )
    b = GraphBuilder(model.dtype, opset)
    integer = bool(layers) and isinstance(layers[0], Embedding)
    if integer:
        b.integer_inputs.add(INPUT)
    x = INPUT
    for i, layer in enumerate(layers):
        b.input_shape, b.scope, b.where = tuple(shapes[i]), layer.name, f"layer {i} ({describe(layer)})"
        x = converter_for(layer)(b, layer, x)
        if not isinstance(x, str) or not x:
            raise b.refuse(f"its converter must return the name of its output tensor (a str). Received: {x!r}")
    b.name_outputs([x], [OUTPUT])
    inputs = [helper.make_tensor_value_info(INPUT, TensorProto.INT64 if integer else b.elem_type, [BATCH, *shapes[0]])]
    return b, inputs, [helper.make_tensor_value_info(OUTPUT, b.elem_type, [BATCH, *shapes[-1]])]


def export(model: Any, path: str | os.PathLike, opset: int | None = None) -> None:
    """Write ``to_onnx(model, opset)`` to ``path`` (ending in ``.onnx``), atomically; nothing is written on error.

    The graph is made holding the model as a reader, as `save` does (a `fit` in another thread
    is refused, never half-read), and the file is written as `save` writes: to a temporary
    file beside the target, then renamed over it, so a reader sees the old file or the new one,
    never part of one; a symlink is followed and kept, an old file's permission bits are kept.
    """
    target = _check_path(path)
    with reading(model.layers, "export"):
        data = to_onnx(model, opset).SerializeToString()
    write_atomically(target, lambda f: f.write(data))


def _check_opset(opset: Any) -> int:
    latest = onnx.defs.onnx_opset_version()
    if opset is None:
        return DEFAULT_OPSET
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)) or not DEFAULT_OPSET <= opset <= latest:
        raise ValueError(
            f"to_onnx: opset must be an int from {DEFAULT_OPSET} to {latest} (this onnx package's latest). "
            f"Received: opset={opset!r}"
        )
    return int(opset)


def _check_path(path: Any) -> str:
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise TypeError(f"export: the path must be a str or os.PathLike ending in '.onnx'. Received: {path!r}")
    target = os.fspath(path)
    if not target.lower().endswith(".onnx"):
        raise ValueError(
            f"export: writes ONNX files only, whose name ends in '.onnx' (use model.save for tinyframe's .npz). "
            f"Received: {target!r}"
        )
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise ValueError(f"export: the folder {folder!r} does not exist. Received: {target!r}")
    if os.path.isdir(target):
        raise ValueError(f"export: {target!r} is a folder, not a file name")
    return target
