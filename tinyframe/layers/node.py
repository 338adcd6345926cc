"""Symbolic tensors and nodes: what calling a layer on `Input` s records (Keras's functional API).

``x = Dense(30)(inputs)`` with ``inputs = Input(shape=(64,))`` computes nothing: it
records a `Node` (this layer, applied to these tensors) and returns a `KerasTensor`
that stands for its output, with its shape traced by ``compute_output_shape``. A
`tinyframe.Model` then walks the nodes from its outputs back to its inputs; the
layers are built by the model (its dtype, its seed), as a `Sequential` builds them.

A layer called at several nodes is *shared*: one set of weights, used at each node.

>>> from tinyframe.layers import Dense, Input
>>> inputs = Input(shape=(64,), name="pixels")
>>> hidden = Dense(30)(inputs)
>>> hidden.shape, hidden.node.inputs[0] is inputs
((None, 30), True)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from .shapes import check_variable

_created = itertools.count()  # creation order is a topological order: a node's inputs exist before it


class Node:
    """One application of ``layer`` to ``inputs`` (a list of tensors); ``listed``: called on a list, as merges are.

    ``options``: the keywords the call gave ``forward`` besides the inputs (``use_causal_mask=True``), or None.
    """

    __slots__ = ("layer", "inputs", "listed", "output", "order", "scratch_key", "options")

    def __init__(
        self,
        layer: Any,
        inputs: list[KerasTensor],
        listed: bool,
        output_shape: tuple[int, ...],
        options: dict[str, Any] | None = None,
    ) -> None:
        self.layer, self.inputs, self.listed, self.options = layer, inputs, listed, options or None
        self.order = next(_created)
        self.scratch_key: Any = None  # where its layer's scratch arrays live, if not in the caller's (shared layers)
        self.output = KerasTensor(output_shape, None, self, batched=any(t.batched for t in inputs) or not inputs)

    @property
    def input_shapes(self) -> tuple[int, ...] | list[tuple[int, ...]]:
        """What the layer is built for: one shape (batch excluded), or a list for a call on a list."""
        shapes = [t.sample_shape for t in self.inputs]
        return shapes if self.listed else shapes[0]


class KerasTensor:
    """The symbolic output of a layer call: a shape (Keras's, with ``None`` for the batch), its node.

    ``dtype`` is the dtype an `Input` declared (None elsewhere: a model computes in its own dtype).

    It holds no values. Its arithmetic operators (``x + y``, ``x * 2``, ``x @ w``) add an op
    of `tinyframe.ops` to the graph, each with its own backward; a NumPy function on it is
    refused, naming the op or layer to use: an operation outside any layer would have no backward.
    """

    __slots__ = ("sample_shape", "dtype", "node", "batched")

    def __init__(self, sample_shape: Sequence[int], dtype: str | None, node: Node | None, batched: bool = True) -> None:
        self.sample_shape = tuple(None if d is None else int(d) for d in sample_shape)  # None: any size
        self.dtype, self.node = dtype, node
        self.batched = batched  # False for a constant, a weight, and what layers make of them alone: no batch axis

    @property
    def shape(self) -> tuple[int | None, ...]:
        """Keras's shape: ``(None, *sample_shape)``, ``None`` for the batch (a constant's: its whole shape)."""
        return (None, *self.sample_shape) if self.batched else self.sample_shape

    @property
    def name(self) -> str | None:
        return self.node.layer.name if self.node is not None else None

    def __repr__(self) -> str:
        made_by = "" if self.node is None else f", made by {self.node.layer.name or type(self.node.layer).__name__}"
        return f"<KerasTensor shape={self.shape}{made_by}>"

    # Arithmetic adds an op of tinyframe.ops to the graph (each with its own backward), as Keras's does.
    def __add__(self, other: Any) -> KerasTensor:
        return _ops().add(self, other)

    def __radd__(self, other: Any) -> KerasTensor:
        return _ops().add(other, self)

    def __sub__(self, other: Any) -> KerasTensor:
        return _ops().subtract(self, other)

    def __rsub__(self, other: Any) -> KerasTensor:
        return _ops().subtract(other, self)

    def __mul__(self, other: Any) -> KerasTensor:
        return _ops().multiply(self, other)

    def __rmul__(self, other: Any) -> KerasTensor:
        return _ops().multiply(other, self)

    def __truediv__(self, other: Any) -> KerasTensor:
        return _ops().divide(self, other)

    def __rtruediv__(self, other: Any) -> KerasTensor:
        return _ops().divide(other, self)

    def __matmul__(self, other: Any) -> KerasTensor:
        return _ops().matmul(self, other)

    def __rmatmul__(self, other: Any) -> KerasTensor:
        return _ops().matmul(other, self)

    def __pow__(self, other: Any) -> KerasTensor:
        return _ops().power(self, other)

    def __neg__(self) -> KerasTensor:
        return _ops().negative(self)

    def __array__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            "A NumPy function on a KerasTensor (a layer's symbolic output) has no backward here: tinyframe "
            "computes gradients through layers and tinyframe.ops only. Use tinyframe.ops (ops.concatenate, "
            "ops.mean, ...) or a layer (Concatenate(axis), Add, Multiply, ...) instead"
        )

    def __bool__(self) -> bool:
        raise TypeError("A KerasTensor has no value to test: it stands for a layer's output inside a model")

    __hash__ = object.__hash__  # tensors are keys of the graph's tables, by identity


def _ops() -> Any:
    from .. import ops  # ops are layers: imported when first used, not when layers are

    return ops


def symbolic(x: Any) -> bool:
    """Whether ``x`` is a KerasTensor, or a non-empty list or tuple of them (a layer call to record)."""
    if isinstance(x, KerasTensor):
        return True
    return isinstance(x, (list, tuple)) and bool(x) and all(isinstance(t, KerasTensor) for t in x)


def record_call(layer: Any, x: Any, options: dict[str, Any] | None = None) -> KerasTensor:
    """``layer(x)`` on symbolic tensors: the node and its output tensor; ValueError naming the layer if shapes misfit.

    The layer is not built here (its model builds it, in the model's dtype); a layer
    already built, or called before, takes only inputs of the shape it has.
    """
    listed = isinstance(x, (list, tuple))
    inputs = list(x) if listed else [x]
    shapes = [t.sample_shape for t in inputs]
    shape = shapes if listed else shapes[0]
    who = layer.name or type(layer).__name__
    known = layer.input_shape if layer.built else next((n.input_shapes for n in layer._nodes), None)
    if known is not None and _as_lists(known) != _as_lists(shape):
        raise ValueError(
            f"{who}: a layer used at several places (shared) takes inputs of one shape: it was built for "
            f"{_shown(known)}. Received: {_shown(shape)}. Use a second layer for inputs of another shape"
        )
    check_variable(layer, shape, who)
    try:
        out = layer.compute_output_shape(shape)
    except ValueError as error:
        raise ValueError(f"{who}: cannot be called on inputs of shape {_shown(shape)}: {error}") from None
    node = Node(layer, inputs, listed, tuple(out), options)
    layer._nodes.append(node)
    return node.output


def _as_lists(shape: Any) -> Any:
    return [list(s) for s in shape] if shape and isinstance(shape[0], (tuple, list)) else list(shape)


def _shown(shape: Any) -> str:
    if shape and isinstance(shape[0], (tuple, list)):
        return "[" + ", ".join(str((None, *s)) for s in shape) + "]"
    return str((None, *shape))
