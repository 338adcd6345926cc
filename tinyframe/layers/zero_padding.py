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
        self.padding = self._pairs(padding)

    def _pairs(self, padding: Any) -> tuple[tuple[int, int], ...]:
        """Keras's forms: an int (every end), ``rank`` ints (both ends of each axis), or ``rank`` pairs."""
        owner, r = type(self).__name__, self.rank

        def count(value: Any) -> int:
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{owner}: padding must hold ints >= 0. Received: padding={padding!r}")
            return int(value)

        if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
            return ((count(padding),) * 2,) * r
        if not isinstance(padding, (tuple, list)):
            raise TypeError(f"{owner}: padding must be an int or a tuple. Received: padding={padding!r}")
        if r == 1 and len(padding) == 2 and all(isinstance(p, numbers.Integral) for p in padding):
            return ((count(padding[0]), count(padding[1])),)  # ZeroPadding1D((left, right))
        if len(padding) == r and all(isinstance(p, numbers.Integral) for p in padding):
            return tuple((count(p), count(p)) for p in padding)
        if len(padding) == r and all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding):
            return tuple((count(lo), count(hi)) for lo, hi in padding)
        forms = "an int or (left, right)" if r == 1 else "an int, (rows, cols) or ((top, bottom), (left, right))"
        raise ValueError(f"{owner}: padding must be {forms}. Received: padding={padding!r}")

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
