"""ZeroPadding1D and ZeroPadding2D: zeros added at both ends of each spatial axis, channels last."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .base import Layer
from .pooling import check_data_format, check_rank


class _ZeroPadding(Layer):
    """The N-d core of `ZeroPadding1D` (r = 1) and `ZeroPadding2D` (r = 2).

    For ``x`` of shape ``(m, n_1, ..., n_r, c)`` and ``(lo_a, hi_a)`` zeros on spatial axis ``a``::

        y = zeros((m, n_1 + lo_1 + hi_1, ..., n_r + lo_r + hi_r, c))
        y[:, lo_1 : lo_1 + n_1, ..., :] = x                       (the interior)
        dJ/dx = dJ/dy[:, lo_1 : lo_1 + n_1, ..., :]               (the zeros depend on nothing)

    The usual use is an explicit, symmetric padding before a "valid" convolution, as
    PyTorch's ``Conv1d(padding=1)`` pads (Keras's "same" puts an odd zero at the end only).
    The output buffer's border is never written, so it stays zero from step to step.
    """

    rank = 0  # set by the subclasses

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_data_format(data_format, type(self).__name__)
        self.padding = pairs(padding, self.rank, "padding", type(self).__name__)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        check_rank(self, input_shape, self.rank)
        spatial = (n + lo + hi for n, (lo, hi) in zip(input_shape, self.padding))
        return (*spatial, input_shape[-1])

    def _interior(self, spatial: tuple[int, ...]) -> tuple[slice, ...]:
        return (slice(None), *(slice(lo, lo + n) for n, (lo, _) in zip(spatial, self.padding)), slice(None))

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y = self.buffer("padded", (x.shape[0], *self.compute_output_shape(x.shape[1:])), fill=0)
        y[self._interior(x.shape[1:-1])] = x
        self._spatial = x.shape[1:-1]  # for backward; the local y is returned
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out[self._interior(self._spatial)]

    def get_config(self) -> dict[str, Any]:
        return {"padding": [list(pair) for pair in self.padding]}

    def __repr__(self) -> str:
        pairs = self.padding[0] if self.rank == 1 else self.padding
        return f"{type(self).__name__}({pairs})"


def pairs(value: Any, rank: int, name: str, owner: str) -> tuple[tuple[int, int], ...]:
    """Keras's forms of per-axis amounts as ``rank`` pairs ``(before, after)`` of ints >= 0.

    An int (every end), or one entry per axis, each an int (both ends) or a pair; for one
    axis, a single pair ``(left, right)``. ZeroPadding's ``padding`` and Cropping's ``cropping``.

    >>> pairs(1, 2, "padding", "ZeroPadding2D"), pairs((0, 3), 1, "cropping", "Cropping1D")
    (((1, 1), (1, 1)), ((0, 3),))
    >>> pairs(((1, 0), 2), 2, "cropping", "Cropping2D")             # Keras mixes the forms too
    ((1, 0), (2, 2))
    """

    def count(v: Any) -> int:
        if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0:
            raise ValueError(f"{owner}: {name} must hold ints >= 0. Received: {name}={value!r}")
        return int(v)

    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return ((count(value),) * 2,) * rank
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{owner}: {name} must be an int or a tuple. Received: {name}={value!r}")
    if rank == 1 and len(value) == 2 and all(isinstance(v, numbers.Integral) for v in value):
        return ((count(value[0]), count(value[1])),)  # ZeroPadding1D((left, right))

    def ends(v: Any) -> tuple[int, int]:  # one axis: an int for both ends, or (before, after)
        return (count(v), count(v)) if isinstance(v, numbers.Integral) else (count(v[0]), count(v[1]))

    if len(value) == rank and all(isinstance(v, numbers.Integral) or _is_pair(v) for v in value):
        return tuple(ends(v) for v in value)
    forms = "an int or (left, right)" if rank == 1 else "an int, (rows, cols) or ((top, bottom), (left, right))"
    raise ValueError(f"{owner}: {name} must be {forms}. Received: {name}={value!r}")


def _is_pair(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 2


class ZeroPadding1D(_ZeroPadding):
    """Zeros before and after the steps of a sequence (Keras's ``layers.ZeroPadding1D``).

    ``(m, steps, c) -> (m, left + steps + right, c)``; formulas in `_ZeroPadding`.

    Args:
        padding: an int (that many zeros at each end) or ``(left, right)``.
        data_format: None or ``"channels_last"``, the only layout.

    Example:
        >>> import numpy as np
        >>> ZeroPadding1D(1).forward(np.array([[[1.0], [2.0]]]))[..., 0]      # PyTorch's Conv1d(padding=1)
        array([[0., 1., 2., 0.]])
        >>> ZeroPadding1D((0, 2)).compute_output_shape((40, 3))
        (42, 3)
    """

    rank = 1


class ZeroPadding2D(_ZeroPadding):
    """Rows of zeros above and below an image, columns left and right (Keras's ``layers.ZeroPadding2D``).

    ``(m, h, w, c) -> (m, top + h + bottom, left + w + right, c)``; formulas in `_ZeroPadding`.

    Args:
        padding: an int (every side), ``(rows, cols)`` (symmetric), or ``((top, bottom), (left, right))``.
        data_format: None or ``"channels_last"``, the only layout.

    Example:
        >>> import numpy as np
        >>> ZeroPadding2D(1).forward(np.ones((1, 2, 2, 1)))[0, ..., 0]
        array([[0., 0., 0., 0.],
               [0., 1., 1., 0.],
               [0., 1., 1., 0.],
               [0., 0., 0., 0.]])
        >>> ZeroPadding2D(((1, 0), (2, 3))).compute_output_shape((28, 28, 1))
        (29, 33, 1)
    """

    rank = 2
