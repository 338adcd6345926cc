"""Cropping1D and Cropping2D: steps or rows and columns cut off both ends of each spatial axis, channels last."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Layer
from .pooling import check_data_format, check_rank
from .zero_padding import pairs


class _Cropping(Layer):
    """The N-d core of `Cropping1D` (r = 1) and `Cropping2D` (r = 2): `ZeroPadding1D`/`2D` run backwards.

    For ``x`` of shape ``(m, n_1, ..., n_r, c)`` and ``(lo_a, hi_a)`` cut from spatial axis ``a``::

        y = x[:, lo_1 : n_1 - hi_1, ..., lo_r : n_r - hi_r, :]            (m, n_1 - lo_1 - hi_1, ..., c)
        dJ/dx = zeros_like(x);  dJ/dx[:, lo_1 : n_1 - hi_1, ..., :] = dJ/dy   (what was cut moved nothing)

    Every axis must keep at least one position (Keras refuses the rest). The gradient
    buffer's border is never written, so it stays zero from step to step.
    """

    rank = 0  # set by the subclasses

    def __init__(self, cropping: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping = pairs(cropping, self.rank, "cropping", type(self).__name__)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        check_rank(self, input_shape, self.rank)
        spatial = tuple(n - lo - hi for n, (lo, hi) in zip(input_shape, self.cropping))
        if min(spatial) < 1:
            cut = tuple(lo + hi for lo, hi in self.cropping)
            raise ValueError(
                f"{self!r} expects spatial sizes larger than what it cuts off, {cut}. "
                f"Received: input shape {tuple(input_shape)}"
            )
        return (*spatial, input_shape[-1])

    def _kept(self, spatial: tuple[int, ...]) -> tuple[slice, ...]:
        return (slice(None), *(slice(lo, n - hi) for n, (lo, hi) in zip(spatial, self.cropping)), slice(None))

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y = self.buffer("cropped", (x.shape[0], *self.compute_output_shape(x.shape[1:])))
        np.copyto(y, x[self._kept(x.shape[1:-1])])  # a contiguous copy: the next layer reads it faster than a view
        self._x_shape = x.shape  # for backward; the local y is returned
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        grad = self.buffer("grad_in", self._x_shape, fill=0)  # keyed by shape: the same border, never written
        grad[self._kept(self._x_shape[1:-1])] = grad_out
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"cropping": [list(pair) for pair in self.cropping]}

    def __repr__(self) -> str:
        pairs_ = self.cropping[0] if self.rank == 1 else self.cropping
        return f"{type(self).__name__}({pairs_})"


class Cropping1D(_Cropping):
    """Steps cut off the start and the end of a sequence (Keras's ``layers.Cropping1D``).

    ``(m, steps, c) -> (m, steps - left - right, c)``; formulas in `_Cropping`.

    Args:
        cropping: an int (that many steps off each end) or ``(left, right)``; ``(1, 1)`` by default.

    Example:
        >>> import numpy as np
        >>> Cropping1D(1).forward(np.arange(4.0).reshape(1, 4, 1))[..., 0]
        array([[1., 2.]])
        >>> Cropping1D((0, 3)).compute_output_shape((40, 2))
        (37, 2)
    """

    rank = 1

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(cropping, **kwargs)


class Cropping2D(_Cropping):
    """Rows cut off the top and bottom of an image, columns off its left and right (Keras's ``layers.Cropping2D``).

    ``(m, h, w, c) -> (m, h - top - bottom, w - left - right, c)``; formulas in `_Cropping`.

    Args:
        cropping: an int (every side), ``(rows, cols)`` (symmetric), or ``((top, bottom), (left, right))``;
            nothing cut by default, as Keras.
        data_format: None or ``"channels_last"``, the only layout.

    Example:
        >>> import numpy as np
        >>> Cropping2D(((1, 0), (0, 1))).forward(np.arange(9.0).reshape(1, 3, 3, 1))[0, ..., 0]
        array([[3., 4.],
               [6., 7.]])
        >>> Cropping2D(((2, 2), (4, 4))).compute_output_shape((28, 28, 3))
        (24, 20, 3)
    """

    rank = 2

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any) -> None:
        check_data_format(data_format, type(self).__name__)
        super().__init__(cropping, **kwargs)
