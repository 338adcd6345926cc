"""Max and average pooling over windows, channels last: one N-d core (`Pooling`), four Keras classes."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .. import _scratch
from .base import Layer


class Pooling(Layer):
    """The N-d core of `MaxPooling1D/2D` and `AveragePooling1D/2D` (Keras's semantics, channels last).

    For ``x`` of shape ``(m, n_1, ..., n_d, c)``, pool ``k`` and strides ``s`` (per axis),
    output position ``o`` reads the input cells ``p = o * s + j - before`` for the window
    offsets ``0 <= j < k``. ``"valid"``: ``before = 0``, ``out = (n - k) // s + 1`` (cells past
    the last window are unused). ``"same"`` pads as TensorFlow does: ``out = ceil(n / s)``,
    ``total = max((out - 1) * s + k - n, 0)``, ``before = total // 2``, the rest after, so every
    window holds at least one real cell. With ``W(o)`` the real cells of window ``o``::

        max:      y[o] = max_{p in W(o)} x[p]            (padding is -inf: never the max)
        average:  y[o] = sum_{p in W(o)} x[p] / |W(o)|    (padding left out of the count, as Keras)

    Backward, ``g = dJ/dy`` of shape ``(m, *out, c)``: every window that holds cell ``p``
    adds its share (windows overlap when ``s < k``; cells of the padding are dropped)::

        max:      dJ/dx[p] = sum_{o : p*(o) = p} g[o]       p*(o): the first arg-max of W(o)
        average:  dJ/dx[p] = sum_{o : p in W(o)} g[o] / |W(o)|

    The max is a piecewise-linear choice, so its derivative is 1 at the chosen cell and 0
    elsewhere; ties go to the first cell in row-major window order, as TensorFlow's MaxPool
    gradient does.

    **No Python loop over positions.** For each of the ``K = prod(k)`` window offsets ``j``,
    the cells it reads in every window form one strided slice ``x_j = x[:, j::s]`` (shape
    ``(m, *out, c)``, no copy), so both passes loop over the ``K`` offsets only::

        forward (max):  y = x_0;  for j >= 1:  first[x_j > y] = j;  y = maximum(y, x_j)
        backward (max): dJ/dx[j::s] (+)= g * (first == j)
        average:        y = sum_j x_j / |W|;   dJ/dx[j::s] (+)= g / |W|

    ``first`` (a small integer per output, kept for backward) is the offset of the first
    maximum, because only a strictly larger value takes it over. When windows do not
    overlap (``s >= k`` on every axis) each offset writes its own cells, so backward
    stores instead of adding, and zero-fills only the cells no window reads.
    """

    rank = 0  # number of spatial axes, set by the subclasses
    mode = "max"  # or "average"

    def __init__(
        self,
        pool_size: int | tuple[int, ...] = 2,
        strides: int | tuple[int, ...] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.pool_size = as_tuple(pool_size, self.rank, "pool_size", owner)
        self.strides = self.pool_size if strides is None else as_tuple(strides, self.rank, "strides", owner)
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{owner}: padding must be 'valid' or 'same'. Received: padding={padding!r}")
        self.padding = padding.lower()
        check_data_format(data_format, owner)

    # ------------------------------------------------------------------ shapes
    def geometry(self, spatial: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """``(out, before, padded)``: per spatial axis, the output size, the padding before, the padded size."""
        if self.padding == "valid":
            out = tuple((n - k) // s + 1 for n, k, s in zip(spatial, self.pool_size, self.strides))
            return out, (0,) * self.rank, spatial
        out = tuple(-(-n // s) for n, s in zip(spatial, self.strides))
        total = [max((o - 1) * s + k - n, 0) for o, s, k, n in zip(out, self.strides, self.pool_size, spatial)]
        return out, tuple(t // 2 for t in total), tuple(n + t for n, t in zip(spatial, total))

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        check_rank(self, input_shape, self.rank)
        if self.padding == "valid" and any(n < k for n, k in zip(input_shape, self.pool_size)):
            raise ValueError(
                f"{self!r} expects spatial sizes >= pool_size {self.pool_size} with padding='valid'. "
                f"Received: input shape {tuple(input_shape)}"
            )
        return (*self.geometry(tuple(input_shape[:-1]))[0], input_shape[-1])

    def inverse_counts(self, spatial: tuple[int, ...], dtype: Any) -> np.ndarray:
        """``1 / |W(o)|`` of shape ``(1, *out, 1)``: a window's real cells, counted axis by axis."""
        out, before, _ = self.geometry(spatial)
        inverse = np.ones((1,) * (self.rank + 2), dtype)
        for axis, (n, o, b, k, s) in enumerate(zip(spatial, out, before, self.pool_size, self.strides), start=1):
            start = np.arange(o) * s - b
            count = np.minimum(start + k, n) - np.maximum(start, 0)
            inverse = inverse * np.expand_dims(1 / count, tuple(a for a in range(self.rank + 2) if a != axis))
        return inverse.astype(dtype)

    # ---------------------------------------------------------------- the maths
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        m, spatial, c = x.shape[0], x.shape[1:-1], x.shape[-1]
        out, before, padded = self.geometry(spatial)
        if padded != spatial:  # "same": x inside a frame of -inf (max) or 0 (average); the frame is never written
            frame = self.buffer("framed", (m, *padded, c), -np.inf if self.mode == "max" else 0)
            frame[interior(before, spatial)] = x
            x = frame
        offsets = self.offsets(out)
        y = self.buffer("y", (m, *out, c))
        np.copyto(y, x[offsets[0]])
        self._shapes = (m, spatial, c)
        if self.mode == "average":
            for at in offsets[1:]:
                np.add(y, x[at], out=y)
            return np.multiply(y, self.inverse_counts(spatial, y.dtype), out=y)
        first = _scratch.buffer(self, "first", y.shape, np.min_scalar_type(len(offsets) - 1), fill=0)
        first.fill(0)
        larger = _scratch.buffer(self, "larger", y.shape, np.bool_)
        code = _scratch.buffer(self, "code", y.shape, first.dtype)
        for j, at in enumerate(offsets[1:], start=1):  # a strictly larger value takes the window over
            np.greater(x[at], y, out=larger)
            np.maximum(y, x[at], out=y)
            np.multiply(larger, first.dtype.type(j), out=code)  # j where larger, else 0; j grows with the loop,
            np.maximum(first, code, out=first)  # so the max is "j if larger else the earlier first"
        self._first = first
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        m, spatial, c = self._shapes
        out, before, padded = self.geometry(spatial)
        overlap = any(s < k for s, k in zip(self.strides, self.pool_size))
        grad = self.buffer("grad_framed", (m, *padded, c))
        if overlap or any((o * s != n) or s > k for o, s, k, n in zip(out, self.strides, self.pool_size, padded)):
            grad.fill(0)  # some cell is read by no window (or by several, which add up)
        share = self.buffer("share", grad_out.shape)
        if self.mode == "average":
            np.multiply(grad_out, self.inverse_counts(spatial, grad.dtype), out=share)
        else:
            hit = _scratch.buffer(self, "hit", grad_out.shape, np.bool_)
        for j, at in enumerate(self.offsets(out)):
            if self.mode == "max":  # the window's first maximum takes its gradient
                np.equal(self._first, self._first.dtype.type(j), out=hit)
                np.multiply(grad_out, hit, out=grad[at] if not overlap else share)
            if overlap:
                grad[at] += share
            elif self.mode == "average":
                grad[at] = share
        if padded == spatial:
            return grad
        grad_in = self.buffer("grad_in", (m, *spatial, c))
        np.copyto(grad_in, grad[interior(before, spatial)])
        return grad_in

    def offsets(self, out: tuple[int, ...]) -> list[tuple[slice, ...]]:
        """For each window offset ``j`` (row-major), the index of the cells it reads: one per output position."""
        return [read_by(offset, out, self.strides) for offset in itertools.product(*map(range, self.pool_size))]

    def get_config(self) -> dict[str, Any]:
        return {"pool_size": self.pool_size, "strides": self.strides, "padding": self.padding}


def read_by(offset: tuple[int, ...], out: tuple[int, ...], strides: tuple[int, ...]) -> tuple[slice, ...]:
    """The index of the cells that window offset ``offset`` reads, one per output position, in a padded array."""
    return (slice(None), *(slice(a, a + (o - 1) * s + 1, s) for a, o, s in zip(offset, out, strides)))


def interior(before: tuple[int, ...], spatial: tuple[int, ...]) -> tuple[slice, ...]:
    """The index of the real cells in a padded ``(m, *padded, c)`` array."""
    return (slice(None), *(slice(b, b + n) for b, n in zip(before, spatial)))


def as_tuple(value: Any, rank: int, name: str, owner: str) -> tuple[int, ...]:
    """``value`` (an int, or ``rank`` ints) as a tuple of ``rank`` ints >= 1; TypeError or ValueError naming ``owner``.

    >>> as_tuple(2, 2, "pool_size", "MaxPooling2D"), as_tuple([3], 1, "strides", "MaxPooling1D")
    ((2, 2), (3,))
    """
    values = (value,) * rank if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    if not isinstance(values, (tuple, list)) or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values
    ):
        raise TypeError(f"{owner}: {name} must be an integer or a tuple of {rank} integers. Received: {name}={value!r}")
    if len(values) != rank or any(v < 1 for v in values):
        raise ValueError(f"{owner}: {name} must be {rank} integer(s) >= 1. Received: {name}={value!r}")
    return tuple(int(v) for v in values)


def check_data_format(data_format: Any, owner: str) -> None:
    """Only channels-last data (Keras's default) is taken: ``None`` or ``"channels_last"``."""
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"{owner}: only data_format='channels_last' is supported. Received: data_format={data_format!r}"
        )


def check_rank(layer: Layer, input_shape: tuple[int, ...], rank: int) -> None:
    """A ValueError naming ``layer`` unless a sample has ``rank`` spatial axes and a channel axis."""
    if len(input_shape) != rank + 1:
        axes = "(steps, channels)" if rank == 1 else "(height, width, channels)"
        raise ValueError(f"{layer!r} expects samples of shape {axes}. Received: input shape {tuple(input_shape)}")


class MaxPooling1D(Pooling):
    """The largest value of each window of ``pool_size`` steps, per channel: ``(m, steps, c) -> (m, out, c)``.

    Args (as Keras's, see `Pooling` for the formulas and the backward):
        pool_size: the window's length (2).
        strides: the step between windows; None (the default) means ``pool_size``.
        padding: ``"valid"`` (windows inside the input) or ``"same"`` (``ceil(steps / strides)`` outputs).
        data_format: None or ``"channels_last"``, the only layout.

    Example:
        >>> import numpy as np
        >>> MaxPooling1D(2).forward(np.array([[[1.0], [3.0], [2.0], [0.0], [5.0]]]))[..., 0]
        array([[3., 2.]])
    """

    rank = 1


class MaxPooling2D(Pooling):
    """The largest value of each ``pool_size`` window, per channel: ``(m, h, w, c) -> (m, out_h, out_w, c)``.

    Args as `MaxPooling1D`, with a pair per argument (an int stands for both axes):
    ``pool_size=(2, 2)``, ``strides=None`` (the pool size), ``padding="valid"`` or ``"same"``.

    Example:
        >>> import numpy as np
        >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> MaxPooling2D((2, 2)).forward(x)[0, ..., 0]
        array([[ 5.,  7.],
               [13., 15.]])
    """

    rank = 2


class AveragePooling1D(Pooling):
    """The mean of each window of ``pool_size`` steps, per channel; with ``"same"``, of its real steps only.

    Args as `MaxPooling1D`.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0], [3.0], [2.0]]])
        >>> AveragePooling1D(2, padding="same").forward(x)[..., 0]   # the last window holds one real step
        array([[2., 2.]])
    """

    rank = 1
    mode = "average"


class AveragePooling2D(Pooling):
    """The mean of each ``pool_size`` window, per channel; with ``"same"``, of its real cells only (Keras).

    Args as `MaxPooling2D`.

    Example:
        >>> import numpy as np
        >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
        >>> AveragePooling2D(2, padding="same").forward(x)[0, ..., 0]   # windows of 4, 2, 2 and 1 real cells
        array([[2. , 3.5],
               [6.5, 8. ]])
    """

    rank = 2
    mode = "average"
