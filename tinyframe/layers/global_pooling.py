"""Global pooling: one value per channel over all steps or all pixels (channels last), as Keras."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import masks
from .base import Layer
from .pooling import check_data_format, check_rank


class GlobalPooling(Layer):
    """The core of `GlobalAveragePooling1D/2D` and `GlobalMaxPooling1D/2D`.

    For ``x`` of shape ``(m, n_1, ..., n_d, c)`` and ``N = n_1 * ... * n_d`` cells, per sample
    and channel (``p`` runs over the cells)::

        average:  y = sum_p x[p] / N             dJ/dx[p] = g / N
        max:      y = max_p x[p]                 dJ/dx[p] = g * [x[p] = y] / #{q : x[q] = y}

    with ``g = dJ/dy`` of shape ``(m, c)`` (``(m, 1, ..., 1, c)`` with ``keepdims=True``). A
    max held by several cells shares its gradient equally among them: the gradient of
    Keras's ``ops.max`` (TensorFlow's ``reduce_max``, JAX and PyTorch alike). This differs from
    `MaxPooling1D/2D`, whose windows send it to their first arg-max (TensorFlow's MaxPool).
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    rank = 0  # number of spatial axes, set by the subclasses
    mode = "average"  # or "max"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_data_format(data_format, type(self).__name__)
        if not isinstance(keepdims, (bool, np.bool_)):
            raise TypeError(f"{type(self).__name__}: keepdims must be True or False. Received: keepdims={keepdims!r}")
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        check_rank(self, input_shape, self.rank)
        return (*(1,) * self.rank, input_shape[-1]) if self.keepdims else (input_shape[-1],)

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None  # the steps are pooled away

    def forward(self, x: np.ndarray, training: bool = False, mask: np.ndarray | None = None) -> np.ndarray:
        axes = tuple(range(1, self.rank + 1))
        y = self.buffer("y", (x.shape[0], *(1,) * self.rank, x.shape[-1]))  # kept dims: broadcasts against x
        self._weights = None
        if mask is not None and self.mode == "average" and self.rank == 1:  # the mean of the data steps only
            w = masks.check(mask, x, self).astype(x.dtype)
            w /= np.maximum(w.sum(axis=1, keepdims=True), 1)  # a sequence of padding alone averages to 0
            self._weights = w[:, :, None]
            np.sum(x * self._weights, axis=1, keepdims=True, out=y)
        elif self.mode == "average":
            np.mean(x, axis=axes, keepdims=True, out=y)
        else:
            np.max(x, axis=axes, keepdims=True, out=y)
            self._x, self._y = x, y
        self._shape = x.shape
        return y if self.keepdims else y.reshape(x.shape[0], x.shape[-1])

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        shape, axes = self._shape, tuple(range(1, self.rank + 1))
        g = grad_out.reshape(shape[0], *(1,) * self.rank, shape[-1])
        grad_in = self.buffer("grad_in", shape)
        if self._weights is not None:
            return np.multiply(g, self._weights, out=grad_in)
        if self.mode == "average":
            np.copyto(grad_in, g / np.prod(shape[1:-1]))
            return grad_in
        np.equal(self._x, self._y, out=grad_in)  # 1 where a cell holds the max, else 0
        share = np.divide(g, np.sum(grad_in, axis=axes, keepdims=True), out=self.buffer("share", g.shape))
        return np.multiply(grad_in, share, out=grad_in)

    def get_config(self) -> dict[str, Any]:
        return {"keepdims": self.keepdims}


class GlobalAveragePooling1D(GlobalPooling):
    """The mean over the steps, per channel: ``(m, steps, c) -> (m, c)`` (``(m, 1, c)`` with ``keepdims``).

    Given a mask (padding marked by ``Embedding(mask_zero=True)`` or `Masking`), the mean of the
    steps it keeps, as Keras: ``y = sum_t keep_t x_t / sum_t keep_t`` (0 for a sequence of
    padding alone, where Keras divides by 0), ``dJ/dx_t = keep_t g / sum_t keep_t``.

    Example:
        >>> import numpy as np
        >>> GlobalAveragePooling1D().forward(np.array([[[1.0, 0.0], [3.0, 4.0]]]))
        array([[2., 2.]])
    """

    rank = 1
    supports_masking = True


class GlobalAveragePooling2D(GlobalPooling):
    """The mean over height and width, per channel: ``(m, h, w, c) -> (m, c)`` (``(m, 1, 1, c)`` with ``keepdims``).

    Example:
        >>> import numpy as np
        >>> x = np.arange(8.0).reshape(1, 2, 2, 2)   # channel 0 holds 0, 2, 4, 6; channel 1 holds 1, 3, 5, 7
        >>> GlobalAveragePooling2D().forward(x)
        array([[3., 4.]])
        >>> GlobalAveragePooling2D(keepdims=True).compute_output_shape((2, 2, 2))
        (1, 1, 2)
    """

    rank = 2


class GlobalMaxPooling1D(GlobalPooling):
    """The largest value over the steps, per channel: ``(m, steps, c) -> (m, c)``; ties share the gradient.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling1D(keepdims=True).forward(np.array([[[1.0, 0.0], [3.0, -4.0]]]))
        array([[[3., 0.]]])
    """

    rank = 1
    mode = "max"


class GlobalMaxPooling2D(GlobalPooling):
    """The largest value over height and width, per channel: ``(m, h, w, c) -> (m, c)``; ties share the gradient.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling2D().forward(np.arange(8.0).reshape(1, 2, 2, 2))
        array([[6., 7.]])
    """

    rank = 2
    mode = "max"
