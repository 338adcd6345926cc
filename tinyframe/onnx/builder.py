"""GraphBuilder: what a layer's converter writes ONNX nodes with (names, weights, constants, dtype).

A converter is a function ``convert(builder, layer, x) -> y`` (or a layer's own method
``to_onnx(self, builder, x) -> y``): ``x`` is the name of the tensor the layer receives
(a list of names for a layer called on a list, as the merge layers are), ``y`` the name of
the tensor it produces. Everything a converter needs is here:

* ``builder.op("Add", a, b)`` adds one node and returns its output's name (a list of
  names with ``outputs=2``); attributes are keywords (``builder.op("Softmax", x, axis=-1)``).
* ``builder.weight(layer, "W")`` adds ``layer.params["W"]`` (or ``layer.state[...]``, or a
  given array) as an initializer named ``"<layer name>/W"`` in the model's dtype; a layer
  shared by several nodes gets its initializer once, which each node uses.
* ``builder.constant(0.5)`` a scalar or array constant in the model's dtype (or ``dtype=``).
* ``builder.activation(act, x)`` emits a tinyframe activation (None: ``x`` unchanged).
* ``builder.float32_op(...)`` an operator ONNX Runtime has no float64 kernel for: in a
  float64 model its inputs are cast to float32 and its output back (recorded in
  ``builder.float32_ops``, so the precision lost is known).
* ``builder.input_shape`` is the shape (batch excluded) of the layer's input (a list of
  shapes for a list of inputs); ``builder.dtype`` the model's NumPy dtype; ``builder.opset``
  the opset written; ``builder.integer_inputs`` the graph inputs that hold int64 indices.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT, OUTPUT, BATCH = "input", "output", "batch"  # a Sequential's input and output; the batch axis

# layer class -> converter; filled by the family modules (core, conv, normalization, recurrent, activations, merging)
CONVERTERS: dict[type, Callable[[GraphBuilder, Any, Any], str]] = {}  # x: a tensor name, or a list for a merge


def converts(*classes: type) -> Callable:
    """Register the decorated function as the converter of ``classes`` (exact classes, not subclasses)."""

    def register(function: Callable) -> Callable:
        for cls in classes:
            CONVERTERS[cls] = function
        return function

    return register


def converter_for(layer: Any) -> Callable | None:
    """The layer's own ``to_onnx`` method, else the converter registered for its exact class, else None.

    Exact classes only: a subclass of `Dense` may compute something else in its forward,
    so it is exported only if it says how (its own ``to_onnx``).
    """
    method = getattr(layer, "to_onnx", None)
    if callable(method):
        return lambda builder, _, x: method(builder, x)
    return CONVERTERS.get(type(layer))


def describe(layer: Any) -> str:
    return f"{getattr(layer, 'name', None) or '?'}: {type(layer).__name__}"


class GraphBuilder:
    """The nodes, initializers and names of one graph under construction (see the module docstring)."""

    def __init__(self, dtype: np.dtype, opset: int) -> None:
        self.dtype = np.dtype(dtype)
        self.elem_type = helper.np_dtype_to_tensor_dtype(self.dtype)
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: dict[str, onnx.TensorProto] = {}
        self.integer_inputs: set[str] = set()  # graph inputs of int64 indices (those that feed only Embeddings)
        self.options: dict | None = None  # the call options of the node being converted (use_causal_mask)
        self._owners: dict[str, Any] = {}  # initializer name -> the layer whose weight it is
        self.float32_ops: set[str] = set()  # operators computed in float32 inside a float64 graph
        self.input_shape: tuple[int, ...] = ()
        self.scope = "graph"  # the current layer's name: prefixes node and tensor names
        self.where = "the model"  # the current layer, as errors name it
        self._count = 0

    # ------------------------------------------------------------------ names
    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"{self.scope}/{hint}_{self._count}"

    def refuse(self, reason: str) -> TypeError:
        """The error for what cannot be exported, naming the layer being converted."""
        return TypeError(f"Cannot export {self.where} to ONNX: {reason}")

    # ------------------------------------------------------------------ nodes
    def op(self, op_type: str, *inputs: str, outputs: int = 1, **attrs: Any) -> Any:
        """Add one node ``op_type(inputs) -> outputs`` (attributes as keywords); its output name(s)."""
        names = [self.fresh(op_type) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), names, name=names[0], **attrs))
        return names[0] if outputs == 1 else names

    def float32_op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        """``op_type`` computed in float32 (ONNX Runtime has no float64 kernel); cast around it in float64."""
        if self.dtype == np.float32:
            return self.op(op_type, *inputs, **attrs)
        self.float32_ops.add(op_type)
        cast = [self.op("Cast", name, to=TensorProto.FLOAT) if name else "" for name in inputs]
        return self.op("Cast", self.op(op_type, *cast, **attrs), to=self.elem_type)

    def reduce(self, op_type: str, x: str, axes: list[int], keepdims: bool) -> str:
        """``ReduceMean``/``ReduceMax``/``ReduceSum`` over ``axes``: an attribute before opset 18, an input after."""
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, x, self.constant(np.array(axes, np.int64)), keepdims=int(keepdims))
        return self.op(op_type, x, axes=list(axes), keepdims=int(keepdims))

    def activation(self, activation: Any, x: str) -> str:
        """Emit a tinyframe `Activation` (inside a Dense, a Conv, a recurrent cell) on ``x``; None: ``x``."""
        if activation is None:
            return x
        convert = converter_for(activation)
        if convert is None:
            raise self.refuse(
                f"its activation {type(activation).__name__} has no ONNX converter; "
                "define to_onnx(self, builder, x) -> str on it (see tinyframe.onnx)"
            )
        return convert(self, activation, x)

    # ------------------------------------------------------------ initializers
    def weight(self, layer: Any, name: str, value: Any = None, owner: str | None = None) -> str:
        """Add ``layer``'s parameter or state ``name`` (or ``value``) as initializer ``"<owner>/<name>"``.

        ``owner`` is the layer's name unless given (a wrapped layer is named after its wrapper).
        A layer called at several nodes asks again at each: its initializer is made once.
        """
        full = f"{owner or layer.name}/{name}"
        if full in self.initializers:
            if self._owners.get(full) is layer:  # a shared layer: one set of weights, used by each node
                return full
            raise self.refuse(f"the initializer name {full!r} is used twice (are two layers named {layer.name!r}?)")
        if value is None:
            value = layer.params[name] if name in layer.params else layer.state[name]
        self._owners[full] = layer
        return self._add(full, np.asarray(value, self.dtype))

    def constant(self, value: Any, dtype: Any = None) -> str:
        """A constant initializer (scalar or array) with a fresh name.

        In ``dtype`` if given; else an integer array keeps its dtype (shapes, axes, indices)
        and anything else takes the model's dtype.
        """
        value = np.asarray(value)
        if dtype is None:
            dtype = value.dtype if value.dtype.kind in "iu" else self.dtype
        return self._add(self.fresh("const"), value.astype(dtype))

    def _add(self, name: str, array: np.ndarray) -> str:
        # np.array, not ascontiguousarray, which makes a 0-d array 1-d
        self.initializers[name] = numpy_helper.from_array(np.array(array, order="C"), name)
        return name

    # ------------------------------------------------------------------ shapes
    def batch_zeros(self, x: str, width: int) -> str:
        """Zeros of shape ``(m, width)``, ``m`` the batch size of ``x`` (known only when the graph runs)."""
        m = self.op("Shape", x, start=0, end=1)
        shape = self.op("Concat", m, self.constant(np.array([width], np.int64)), axis=0)
        zero = helper.make_tensor("value", self.elem_type, [1], [0.0])
        return self.op("ConstantOfShape", shape, value=zero)

    def transpose(self, x: str, perm: list[int]) -> str:
        return self.op("Transpose", x, perm=perm)

    # ----------------------------------------------------------------- outputs
    def name_outputs(self, tensors: list[str], names: list[str]) -> None:
        """Call ``tensors[k]`` ``names[k]``: renamed where a node makes it, else (an input, an initializer, a tensor
        already named as an earlier output) copied by an Identity."""
        made = {name for node in self.nodes for name in node.output}
        renamed: dict[str, str] = {}
        for x, name in zip(tensors, names):
            if x not in made or x in renamed:
                self.nodes.append(helper.make_node("Identity", [renamed.get(x, x)], [name], name=name))
                continue
            renamed[x] = name
            for node in self.nodes:
                for slots in (node.input, node.output):
                    for j, used in enumerate(slots):
                        if used == x:
                            slots[j] = name
