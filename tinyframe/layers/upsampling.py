"""UpSampling1D and UpSampling2D: each step or pixel repeated ``size`` times along its axes (nearest neighbour)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Layer
from .pooling import as_tuple, check_data_format, check_rank


class _UpSampling(Layer):
    """The N-d core of `UpSampling1D` (r = 1) and `UpSampling2D` (r = 2), channels last.

    For ``x`` of shape ``(m, n_1, ..., n_r, c)`` and integer factors ``s_1, ..., s_r``, each
    value is copied into an ``s_1 x ... x s_r`` block (nearest-neighbour interpolation)::

        y[b, p_1, ..., p_r, :] = x[b, p_1 // s_1, ..., p_r // s_r, :]      (m, n_1 s_1, ..., n_r s_r, c)
        dJ/dx[b, o, :] = sum over the block of o of dJ/dy                 (every copy adds its gradient)

    Both are reshapes around one broadcast and one sum: viewed as ``(m, n_1, s_1, ..., n_r, s_r, c)``
    the output is ``x`` broadcast along the ``s`` axes, and the gradient sums those axes.
    """

    rank = 0  # set by the subclasses

    def __init__(self, size: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._factors = as_tuple(size, self.rank, "size", type(self).__name__)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        check_rank(self, input_shape, self.rank)
        return (*(n * s for n, s in zip(input_shape, self._factors)), input_shape[-1])

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y = self.buffer("y", blocks(x.shape, self._factors))
        np.copyto(y, x.reshape(blocks(x.shape, (1,) * self.rank)))  # x broadcast along the block axes
        self._x_shape = x.shape  # for backward; the local y is returned
        return y.reshape(x.shape[0], *self.compute_output_shape(x.shape[1:]))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        block_axes = tuple(range(2, 2 * self.rank + 1, 2))
        grad = self.buffer("grad_in", self._x_shape)
        return np.sum(grad_out.reshape(blocks(self._x_shape, self._factors)), axis=block_axes, out=grad)


def blocks(shape: tuple[int, ...], factors: tuple[int, ...]) -> tuple[int, ...]:
    """``(m, n_1, s_1, ..., n_r, s_r, c)`` for ``shape = (m, n_1, ..., n_r, c)``: block offsets on axes of their own.

    >>> blocks((8, 3, 4, 5), (2, 2))
    (8, 3, 2, 4, 2, 5)
    """
    return (shape[0], *(d for n, s in zip(shape[1:-1], factors) for d in (n, s)), shape[-1])


class UpSampling1D(_UpSampling):
    """Each step of a sequence repeated ``size`` times (Keras's ``layers.UpSampling1D``).

    ``(m, steps, c) -> (m, steps * size, c)``; formulas in `_UpSampling`.

    Args:
        size: the number of copies of each step (2 by default).

    Example:
        >>> import numpy as np
        >>> UpSampling1D(2).forward(np.array([[[1.0], [2.0], [3.0]]]))[..., 0]
        array([[1., 1., 2., 2., 3., 3.]])
    """

    rank = 1

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(size, **kwargs)
        self.size = self._factors[0]

    def get_config(self) -> dict[str, Any]:
        return {"size": self.size}

    def __repr__(self) -> str:
        return f"UpSampling1D({self.size})"


class UpSampling2D(_UpSampling):
    """Each pixel of an image repeated into a ``size`` block (Keras's ``layers.UpSampling2D``, nearest).

    ``(m, h, w, c) -> (m, h * size[0], w * size[1], c)``; formulas in `_UpSampling`.

    Args:
        size: an int for both axes or ``(rows, cols)``; ``(2, 2)`` by default.
        data_format: None or ``"channels_last"``, the only layout.
        interpolation: ``"nearest"``, the only one implemented (Keras's default; its ``"bilinear"``
            and others are refused).

    Example:
        >>> import numpy as np
        >>> UpSampling2D((1, 2)).forward(np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1))[0, ..., 0]
        array([[1., 1., 2., 2.],
               [3., 3., 4., 4.]])
        >>> UpSampling2D(2).compute_output_shape((7, 7, 16))
        (14, 14, 16)
    """

    rank = 2

    def __init__(
        self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest", **kwargs: Any
    ) -> None:
        check_data_format(data_format, "UpSampling2D")
        if not isinstance(interpolation, str) or interpolation.lower() != "nearest":
            raise ValueError(
                'UpSampling2D: only interpolation="nearest" is supported (each pixel copied into its block). '
                f"Received: interpolation={interpolation!r}"
            )
        super().__init__(size, **kwargs)
        self.size = self._factors
        self.interpolation = "nearest"

    def get_config(self) -> dict[str, Any]:
        return {"size": list(self.size), "interpolation": self.interpolation}

    def __repr__(self) -> str:
        size = self.size[0] if len(set(self.size)) == 1 else self.size
        return f"UpSampling2D({size})"
