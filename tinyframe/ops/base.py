"""Op: one array operation of `tinyframe.ops` as a layer without weights, its backward beside its forward.

An op is recorded like any layer call: on the tape of a subclassed model's ``call``
(`tinyframe.layers.recording`), or as a node of a functional graph when given symbolic
tensors; called on plain arrays elsewhere, it just computes. Its operands are the arrays
that may carry a gradient (recorded arrays, a layer's weights, symbolic tensors); Python
numbers and arrays from outside (constants) are kept in the op and get no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layers.base import Layer
from ..layers.node import KerasTensor
from ..layers.recording import CURRENT, ParamTensor, param_tensor


class Op(Layer):
    """A layer for one operation: ``forward(list of operands) -> y``; ``backward(g) -> list of dJ/d operand``.

    Subclasses write `compute` (the forward on plain arrays) and `gradients`; the shape a
    graph needs is found by running the op on one sample of zeros (and the weights it uses).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.built = True  # no weights: nothing to build
        self._probes: list[np.ndarray] | None = None
        self._batched = True  # False when every operand is a constant or a weight: the result has no batch axis
        if self.name is None:  # named after its function (add, matmul, ...), numbered by its model as layers are
            self.name, self._auto_named = self.function_name(), True

    supports_masking = True  # an op takes masked tensors; an elementwise one keeps the mask, the others end it

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None  # a reshape, a product or a reduction leaves no steps to mask

    def function_name(self) -> str:
        return getattr(self, "function", type(self).__name__.lower())

    def forward(self, inputs: list[np.ndarray], training: bool = False) -> np.ndarray:
        y = np.asarray(self.compute(*inputs))
        self._inputs, self._y = inputs, y  # for backward; the local is returned
        return y

    def backward(self, grad_out: np.ndarray) -> list[np.ndarray]:
        grads = self.gradients(self._inputs, self._y, grad_out)
        return [np.ascontiguousarray(unbroadcast(g, x.shape)) for g, x in zip(grads, self._inputs)]

    def compute(self, *xs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        raise NotImplementedError

    def compute_output_shape(self, input_shape: Any) -> tuple[int, ...]:
        shapes = input_shape if input_shape and isinstance(input_shape[0], (tuple, list)) else [input_shape]
        probes = self._probes if self._probes is not None else [np.zeros((1, *s)) for s in shapes]
        try:
            probe = self.compute(*probes)
        except ValueError as error:
            raise ValueError(f"{self!r}: inputs of shapes {[(None, *s) for s in shapes]} do not fit: {error}") from None
        return tuple(np.shape(probe)[1:] if self._batched else np.shape(probe))

    def __repr__(self) -> str:
        return f"ops.{self.function_name()}"


def _probe(t: KerasTensor) -> np.ndarray:
    """What stands for ``t`` when an op's output shape is found: a weight itself, zeros of one sample otherwise."""
    if isinstance(t, ParamTensor):
        return t.array
    return np.zeros((1, *t.sample_shape) if t.batched else t.sample_shape)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``grad`` summed back to ``shape`` over the axes NumPy broadcast (leading ones, and axes of size 1)."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead))) if lead > 0 else grad
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


def is_operand(x: Any) -> bool:
    """Whether ``x`` may carry a gradient: a symbolic tensor, or (on a tape) a recorded array or a layer's weight.

    A Python number or an array from outside is a constant. An array made from recorded ones by something
    the tape cannot see is refused (TypeError), as layers refuse it.
    """
    if isinstance(x, KerasTensor):
        return True
    tape = CURRENT.get()
    if tape is None:
        return param_tensor(x) is not None  # a weight of a layer whose call composes a graph
    return isinstance(x, np.ndarray) and tape.operand(x)


def apply(op: Op, operands: list[Any]) -> Any:
    """``op`` on its operands: a node of the graph being built, a recorded call, or just the result."""
    if CURRENT.get() is not None:
        return op(list(operands))
    if any(isinstance(x, KerasTensor) for x in operands):  # a graph being built: weights become their tensors
        tensors = [x if isinstance(x, KerasTensor) else param_tensor(x) for x in operands]
        op._probes = [_probe(t) for t in tensors]
        op._batched = any(t.batched for t in tensors)
        return op(tensors)
    return op.compute(*(np.asarray(x) for x in operands))
