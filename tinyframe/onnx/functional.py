"""A functional `Model`'s graph as ONNX: one graph input per `Input`, one output per model output.

The nodes are written in the graph's order, each by its layer's converter (the same ones a
`Sequential` uses), given the names of the tensors its inputs are:

* **Inputs** are named after their `Input` (``Input(shape, name="pixels")``: ``"pixels"``),
  batch axis ``"batch"``, in the model's dtype; an input that feeds only `Embedding` layers
  takes int64 indices, as a `Sequential` that begins with an Embedding does.
* **Outputs**: one output is ``"output"``, as a `Sequential`'s; several are named after the
  layers that make them (``model.output_names``, the keys ``fit`` takes targets by). A name
  already taken (an output that is an input, one layer making two outputs) gets ``_1``, ``_2``.
* **Shared layers**: a layer called at several nodes is converted at each, on that node's
  tensors; its weights are one set of initializers (``"encoder/W"``), which every node uses.
* **Ops** of `tinyframe.ops` (``x + y``, ``ops.matmul``, a ``call`` written with them) are
  refused: build the model from layers (`Add`, `Multiply`, `Dense`, ...).
"""

from __future__ import annotations

from typing import Any

from onnx import TensorProto, helper

from ..layers import Embedding
from ..ops.base import Op
from .builder import BATCH, OUTPUT, GraphBuilder, converter_for, describe


def functional_graph(model: Any, opset: int) -> tuple[GraphBuilder, list, list]:
    """A functional model's nodes, in order, from its inputs to its outputs: the builder, inputs, outputs."""
    graph = model._graph
    refuse_unexportable(graph)
    b = GraphBuilder(model.dtype, opset)
    names: dict[int, str] = {}  # id(tensor) -> the name of its ONNX tensor
    inputs = []
    for t in graph.inputs:
        integer = index_input(graph, t)
        names[id(t)] = t.name
        if integer:
            b.integer_inputs.add(t.name)
        elem = TensorProto.INT64 if integer else b.elem_type
        inputs.append(helper.make_tensor_value_info(t.name, elem, [BATCH, *t.sample_shape]))
    for i, node in enumerate(graph.nodes):
        layer = node.layer
        xs = [names[id(t)] for t in node.inputs]
        b.input_shape, b.scope, b.where = node.input_shapes, layer.name, f"node {i} ({describe(layer)})"
        b.options = node.options
        y = converter_for(layer)(b, layer, xs if node.listed else xs[0])
        if not isinstance(y, str) or not y:
            raise b.refuse(f"its converter must return the name of its output tensor (a str). Received: {y!r}")
        names[id(node.output)] = y
    wanted = output_names(model)
    b.name_outputs([names[id(t)] for t in graph.outputs], wanted)
    outputs = [
        helper.make_tensor_value_info(name, b.elem_type, [BATCH, *t.sample_shape])
        for t, name in zip(graph.outputs, wanted)
    ]
    return b, inputs, outputs


def refuse_unexportable(graph: Any) -> None:
    """A TypeError for the first node whose layer is an op, or has no converter: before any node is made."""
    for i, node in enumerate(graph.nodes):
        layer = node.layer
        if isinstance(layer, Op):
            raise TypeError(
                f"Cannot export node {i} ({describe(layer)}) to ONNX: it is an op of tinyframe.ops "
                f"({layer.function_name()}), which the exporter does not write. Build the model from layers "
                "instead (Add, Subtract, Multiply, Concatenate, Dense, ... for x + y, x * y, x @ w)"
            )
        if converter_for(layer) is None:
            raise TypeError(
                f"Cannot export node {i} ({describe(layer)}) to ONNX: tinyframe has no converter for "
                f"{type(layer).__name__}; define to_onnx(self, builder, x) -> str on it (see tinyframe.onnx)"
            )


def consumers(graph: Any, t: Any) -> list[Any]:
    """The layers of the nodes that take the tensor ``t``."""
    return [node.layer for node in graph.nodes if any(u is t for u in node.inputs)]


def index_input(graph: Any, t: Any) -> bool:
    """Whether the input ``t`` is exported as int64 indices: it feeds Embeddings and nothing else (nor is an output)."""
    users = consumers(graph, t)
    output = any(u is t for u in graph.outputs)
    return bool(users) and not output and all(isinstance(layer, Embedding) for layer in users)


def output_names(model: Any) -> list[str]:
    """``["output"]`` for one output, else the output layers' names; a name already taken gets ``_1``, ``_2``."""
    graph = model._graph
    wanted = [OUTPUT] if len(graph.outputs) == 1 else [t.name for t in graph.outputs]
    taken = {t.name for t in graph.inputs}
    names = []
    for name in wanted:
        unique, k = name, 0
        while unique in taken:
            k += 1
            unique = f"{name}_{k}"
        taken.add(unique)
        names.append(unique)
    return names
