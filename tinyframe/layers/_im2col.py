"""im2col, and the gradient back to the pixels one kernel offset at a time.

A kernel of size ``k`` slid with stride ``s`` and dilation ``d`` over the zero-padded
input ``xp`` reads, for output position ``o`` and kernel offset ``i`` (index tuples,
one entry per spatial axis)::

    taps[b, o, i, c] = xp[b, o*s + i*d, c]                           (im2col: a gather)

`SlidingWindows.taps` is that array as a view (no copy). For one fixed offset ``i`` the
taps of every window are one strided slice of ``xp``, the *slab* ``xp[:, i*d :: s, :]``
of shape ``(m, *out, c)`` (`SlidingWindows.slab`), so the transpose of the gather, the
scatter-add of a gradient, is a loop over the ``prod(k)`` offsets (9 for a 3 x 3 kernel),
never over positions::

    dxp[slab(i)] += dtaps[:, ..., i, :]          for every offset i   (col2im)

Being the exact transpose of the gather, it needs no special case for strides,
dilations or padding, and it adds no zeros: the other classic route, a transposed
convolution run as a convolution of the gradient dilated by ``s``, inserts ``s**r - 1``
zeros per value and needs padding arithmetic of its own.

Padding (per axis, TensorFlow's and Keras's rule, ``span = (k - 1) d + 1``)::

    "valid": lo = hi = 0                                  o = (n - span) // s + 1
    "same":  lo + hi = max((ceil(n/s) - 1) s + span - n, 0), hi = lo or lo + 1,   o = ceil(n/s)
    "causal" (Conv1D): lo = span - 1, hi = 0               o = ceil(n/s)   (y[t] never reads a later step)

>>> import numpy as np
>>> windows = SlidingWindows(kernel_size=(2,), strides=(1,), dilation_rate=(1,), padding="same")
>>> geometry = windows.geometry((1, 3, 1))        # one sequence of 3 steps, 1 channel
>>> geometry.lo, geometry.hi, geometry.out
((0,), (1,), (3,))
>>> xp = windows.pad(np.array([[[1.0], [2.0], [3.0]]]), np.zeros(geometry.padded_shape), geometry)
>>> windows.taps(xp, geometry.out)[0, :, :, 0]    # rows: output steps; columns: kernel offsets
array([[1., 2.],
       [2., 3.],
       [3., 0.]])
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

_ALL = slice(None)


class Geometry(NamedTuple):
    """Per spatial axis: zeros padded before (``lo``) and after (``hi``), the output size; and ``xp``'s shape."""

    lo: tuple[int, ...]
    hi: tuple[int, ...]
    out: tuple[int, ...]
    padded_shape: tuple[int, ...]  # (m, *(n + lo + hi), c)

    @property
    def padded(self) -> bool:
        return any(self.lo) or any(self.hi)


@dataclass(frozen=True)
class SlidingWindows:
    """Windows of ``kernel_size`` taps, ``strides`` apart, taps ``dilation_rate`` apart, over channels-last arrays."""

    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    dilation_rate: tuple[int, ...]
    padding: str  # "valid", "same" or "causal"

    @property
    def spans(self) -> tuple[int, ...]:
        """How many input positions one window covers, per axis: ``(k - 1) d + 1``."""
        return tuple((k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate))

    @functools.lru_cache(maxsize=64)  # noqa: B019 - frozen and small; a training loop asks for the same shapes
    def geometry(self, shape: tuple[int, ...]) -> Geometry:
        """The padding and output size for an input of ``shape`` ``(m, *spatial, c)``; an output size may be < 1."""
        lo, hi, out = [], [], []
        for n, span, s in zip(shape[1:-1], self.spans, self.strides):
            if self.padding == "causal":
                before, after = span - 1, 0
            else:
                total = max((-(-n // s) - 1) * s + span - n, 0) if self.padding == "same" else 0
                before, after = total // 2, total - total // 2
            lo.append(before)
            hi.append(after)
            out.append((n + before + after - span) // s + 1)
        padded = tuple(n + a + b for n, a, b in zip(shape[1:-1], lo, hi))
        return Geometry(tuple(lo), tuple(hi), tuple(out), (shape[0], *padded, shape[-1]))

    def pad(self, x: np.ndarray, xp: np.ndarray, geometry: Geometry) -> np.ndarray:
        """``x`` written inside ``xp`` (of ``geometry.padded_shape``, zero outside ``x``'s place); returns ``xp``."""
        xp[self.interior(geometry)] = x
        return xp

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def interior(self, geometry: Geometry) -> tuple[slice, ...]:
        """The index of ``x``'s place inside ``xp``: ``xp[interior]`` drops the padding."""
        return (
            _ALL,
            *(slice(a, n - b) for a, b, n in zip(geometry.lo, geometry.hi, geometry.padded_shape[1:-1])),
            _ALL,
        )

    def taps(self, xp: np.ndarray, out: tuple[int, ...]) -> np.ndarray:
        """The read-only view ``(m, *out, *k, c)`` of ``xp`` with ``taps[b, o, i, c] = xp[b, o*s + i*d, c]`` (no copy).

        Its strides follow from the formula: an output step moves ``s`` cells of ``xp``, a
        kernel step ``d`` cells; ``out`` comes from `geometry`, so every tap lies inside ``xp``.
        """
        spatial = xp.strides[1:-1]
        shape = (xp.shape[0], *out, *self.kernel_size, xp.shape[-1])
        strides = (
            xp.strides[0],
            *(a * s for a, s in zip(spatial, self.strides)),
            *(a * d for a, d in zip(spatial, self.dilation_rate)),
            xp.strides[-1],
        )
        return as_strided(xp, shape, strides, writeable=False)

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def slab(self, offset: tuple[int, ...], out: tuple[int, ...]) -> tuple[slice, ...]:
        """The index of ``xp[b, o*s + offset*d, c]`` for all ``b``, ``o``, ``c``: a ``(m, *out, c)`` strided slice."""
        steps = zip(offset, self.dilation_rate, self.strides, out)
        return (_ALL, *(slice(a * d, a * d + s * (o - 1) + 1, s) for a, d, s, o in steps), _ALL)

    @functools.cached_property
    def offsets(self) -> tuple[tuple[int, ...], ...]:
        """The kernel offsets ``i`` in row-major order, the order of the kernel's leading axes."""
        return tuple(np.ndindex(*self.kernel_size))
