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

_created = itertools.count()  # creation order is a topological order: a node's inputs exist before it


class Node:
    """One application of ``layer`` to ``inputs`` (a list of tensors); ``listed``: called on a list, as merges are."""

    __slots__ = ("layer", "inputs", "listed", "output", "order")

    def __init__(self, layer: Any, inputs: list[KerasTensor], listed: bool, output_shape: tuple[int, ...]) -> None:
        self.layer, self.inputs, self.listed = layer, inputs, listed
        self.order = next(_created)
        self.output = KerasTensor(output_shape, None, self)

    @property
    def input_shapes(self) -> tuple[int, ...] | list[tuple[int, ...]]:
        """What the layer is built for: one shape (batch excluded), or a list for a call on a list."""
        shapes = [t.sample_shape for t in self.inputs]
        return shapes if self.listed else shapes[0]


class KerasTensor:
    """The symbolic output of a layer call: a shape (Keras's, with ``None`` for the batch), its node.

    ``dtype`` is the dtype an `Input` declared (None elsewhere: a model computes in its own dtype).

    It holds no values. Arithmetic and NumPy functions on it are refused, naming the
    merge layer to use (``Add()([x, y])`` for ``x + y``): a model's gradients come from
    its layers' own backwards, and an operation outside any layer would have none.
    """

    __slots__ = ("sample_shape", "dtype", "node")

    def __init__(self, sample_shape: Sequence[int], dtype: str | None, node: Node | None) -> None:
        self.sample_shape = tuple(int(d) for d in sample_shape)
        self.dtype, self.node = dtype, node

    @property
    def shape(self) -> tuple[int | None, ...]:
        """Keras's shape: ``(None, *sample_shape)``, ``None`` for the batch."""
        return (None, *self.sample_shape)

    @property
    def name(self) -> str | None:
        return self.node.layer.name if self.node is not None else None

    def __repr__(self) -> str:
        made_by = "" if self.node is None else f", made by {self.node.layer.name or type(self.node.layer).__name__}"
        return f"<KerasTensor shape={self.shape}{made_by}>"

    def _refuse(self, what: str, layer: str) -> None:
        raise TypeError(
            f"{what} on a KerasTensor (a layer's symbolic output) cannot be differentiated here: tinyframe computes "
            f"gradients through layers only. Use the layer {layer} instead"
        )

    def __add__(self, other: Any) -> None:
        self._refuse("'+'", "tinyframe.layers.Add()([x, y])")

    def __sub__(self, other: Any) -> None:
        self._refuse("'-'", "tinyframe.layers.Subtract()([x, y])")

    def __mul__(self, other: Any) -> None:
        self._refuse("'*'", "tinyframe.layers.Multiply()([x, y])")

    def __matmul__(self, other: Any) -> None:
        self._refuse("'@'", "tinyframe.layers.Dot(axes)([x, y]) or Dense")

    def __truediv__(self, other: Any) -> None:
        self._refuse("'/'", "tinyframe.layers.Rescaling(scale) for a constant")

    __radd__, __rsub__, __rmul__, __rmatmul__, __rtruediv__ = __add__, __sub__, __mul__, __matmul__, __truediv__

    def __neg__(self) -> None:
        self._refuse("'-x'", "tinyframe.layers.Rescaling(-1.0)")

    def __array__(self, *args: Any, **kwargs: Any) -> None:
        self._refuse("A NumPy function", "tinyframe.layers.Concatenate(axis)([x, y]) (or Add, Multiply, ...)")

    def __bool__(self) -> bool:
        raise TypeError("A KerasTensor has no value to test: it stands for a layer's output inside a model")

    __hash__ = object.__hash__  # tensors are keys of the graph's tables, by identity


def symbolic(x: Any) -> bool:
    """Whether ``x`` is a KerasTensor, or a non-empty list or tuple of them (a layer call to record)."""
    if isinstance(x, KerasTensor):
        return True
    return isinstance(x, (list, tuple)) and bool(x) and all(isinstance(t, KerasTensor) for t in x)


def record_call(layer: Any, x: Any) -> KerasTensor:
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
    try:
        out = layer.compute_output_shape(shape)
    except ValueError as error:
        raise ValueError(f"{who}: cannot be called on inputs of shape {_shown(shape)}: {error}") from None
    node = Node(layer, inputs, listed, tuple(out))
    layer._nodes.append(node)
    return node.output


def _as_lists(shape: Any) -> Any:
    return [list(s) for s in shape] if shape and isinstance(shape[0], (tuple, list)) else list(shape)


def _shown(shape: Any) -> str:
    if shape and isinstance(shape[0], (tuple, list)):
        return "[" + ", ".join(str((None, *s)) for s in shape) + "]"
    return str((None, *shape))
