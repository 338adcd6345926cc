"""Merge: the base of layers that take a list of inputs and give one array; the elementwise broadcast rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base import Layer
from ..masks import either


def broadcast_shapes(shapes: list[tuple]) -> tuple:
    """NumPy's broadcast of per-sample shapes, with None for an axis of variable size (any size but 1 there is
    taken as that size; each batch checks it).

    >>> broadcast_shapes([(None, 3), (1, 3)]), broadcast_shapes([(None, 3), (4, 3)]), broadcast_shapes([(2, 3), (3,)])
    ((None, 3), (4, 3), (2, 3))
    """
    rank = max(len(s) for s in shapes)
    out = []
    for sizes in zip(*((1,) * (rank - len(s)) + tuple(s) for s in shapes)):
        known = {d for d in sizes if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"shapes {shapes} do not broadcast")
        out.append(known.pop() if known else (None if None in sizes else 1))
    return tuple(out)


class Merge(Layer):
    """The shared pattern of layers that take a list of inputs and return one array (Keras's ``Merge``).

    ``forward(inputs)`` takes a list of arrays ``(m, *shape_i)``; ``backward(grad_out)`` returns
    one gradient per input, in order, each of its input's shape; ``compute_output_shape``
    takes the list of per-sample shapes (batch excluded).

    The elementwise layers fold a ufunc over the inputs, ``y = x_1 (op) x_2 (op) ... (op) x_n``,
    with Keras's broadcasting: an input of lower rank gets axes of size 1 right after the
    batch axis, so the per-sample shapes align from their last axis, and on each axis the
    sizes must be equal or one of them 1 (NumPy's rule)::

        (m, 3) and (m, 2, 3)  ->  (m, 2, 3)          (m, 2, 1) and (m, 3)  ->  (m, 2, 3)

    A subclass gives the ufunc (``op``) and ``gradients(xs, y, grad)``: ``dJ/dx_i`` at the
    output's shape, for the rank-aligned inputs ``xs``. Where an input was broadcast, its
    gradient is then summed over the broadcast axes, back to the input's shape.
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    min_inputs, max_inputs = 1, None  # how many inputs the layer takes (None: no limit)
    op: np.ufunc
    supports_masking = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """Keras's rule: None unless every input has a mask; then a step is kept where any input keeps it."""
        return either(mask) if isinstance(mask, list) else None

    # ------------------------------------------------------------------ checks
    def _input_shapes(self, input_shape: Any) -> list[tuple[int, ...]]:
        """``input_shape`` as a list of per-sample shapes, checked to be a list of the right length."""
        if not isinstance(input_shape, (list, tuple)) or not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(
                f"{self!r}: expected a list of input shapes (batch excluded), one per input, e.g. [(4,), (4,)]. "
                f"Received: {input_shape!r}"
            )
        n, low, high = len(input_shape), self.min_inputs, self.max_inputs
        if n < low or (high is not None and n > high):
            count = f"exactly {low}" if low == high else f"at least {low}"
            raise ValueError(
                f"{self!r}: expected {count} input{'s' * (low > 1)}. Received: {n} input shapes {list(input_shape)}"
            )
        return [tuple(s) for s in input_shape]

    def _checked(self, inputs: Any) -> list[np.ndarray]:
        """The arrays of ``inputs``, refused unless a list of batches of one size whose shapes merge."""
        if not isinstance(inputs, (list, tuple)):
            what = f"an array of shape {inputs.shape}" if isinstance(inputs, np.ndarray) else repr(type(inputs))
            raise ValueError(f"{self!r}: expected a list of arrays, one per input, each (m, ...). Received: {what}")
        xs = [np.asarray(x) for x in inputs]
        if any(x.ndim == 0 for x in xs) or len({x.shape[0] for x in xs}) > 1:
            raise ValueError(
                f"{self!r}: expected inputs with one batch size (the first axis). "
                f"Received: shapes {[x.shape for x in xs]}"
            )
        self.compute_output_shape([x.shape[1:] for x in xs])  # refuses shapes that cannot merge
        return xs

    def _sample_axis(self, axis: int, rank: int, what: str = "axis") -> int:
        """``axis`` (counted with the batch, negative from the end) of inputs of per-sample ``rank``, as >= 1."""
        if not -(rank + 1) <= axis <= rank or axis % (rank + 1) == 0:
            raise ValueError(
                f"{self!r}: expected {what} to name an axis of the inputs other than the batch axis 0, "
                f"i.e. 1..{rank} or -{rank}..-1 for inputs (m, ...) of {rank + 1} axes. Received: {what}={axis}"
            )
        return axis % (rank + 1)

    @staticmethod
    def _distinct(grads: list[np.ndarray]) -> list[np.ndarray]:
        """``grads``, each array that may share memory with an earlier one copied (each may be changed in place)."""
        out: list[np.ndarray] = []
        for g in grads:
            out.append(g.copy() if any(np.may_share_memory(g, h) for h in out) else g)
        return out

    # ------------------------------------------------------- elementwise merge
    def compute_output_shape(self, input_shape: list[tuple[int, ...]]) -> tuple[int, ...]:
        shapes = self._input_shapes(input_shape)
        try:
            return broadcast_shapes(shapes)
        except ValueError:
            raise ValueError(
                f"{self!r}: expected shapes that broadcast (aligned from the last axis, sizes equal or 1). "
                f"Received: input shapes {shapes}"
            ) from None

    def forward(self, inputs: list[np.ndarray], training: bool = False) -> np.ndarray:
        xs = self._checked(inputs)
        rank = max(x.ndim for x in xs)
        # a lower rank gets axes of size 1 after the batch axis (Keras's expand_dims(x, 1)): shapes align from the end
        aligned = [x.reshape(x.shape[0], *(1,) * (rank - x.ndim), *x.shape[1:]) for x in xs]
        y = np.empty(np.broadcast_shapes(*(x.shape for x in aligned)), np.result_type(*xs))  # fresh, never an input
        if len(aligned) == 2:  # the usual merge (a residual connection): one pass
            self.op(aligned[0], aligned[1], out=y)
        else:
            np.copyto(y, aligned[0])
            for x in aligned[1:]:
                self.op(y, x, out=y)
        self._xs, self._y, self._shapes = aligned, y, [x.shape for x in xs]  # for backward; the local is returned
        return y

    def backward(self, grad_out: np.ndarray) -> list[np.ndarray]:
        grads = self.gradients(self._xs, self._y, grad_out)
        return self._distinct([_unbroadcast(g, shape) for g, shape in zip(grads, self._shapes)])

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        raise NotImplementedError


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``grad`` (the output's shape) summed over the axes where an input of ``shape`` was broadcast."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)  # the axes of size 1 inserted after the batch axis
    sizes = (1,) * lead + shape[1:]
    axes = tuple(1 + i for i, d in enumerate(sizes) if d == 1 and grad.shape[1 + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)
