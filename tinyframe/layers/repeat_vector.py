"""RepeatVector: each row repeated ``n`` times, a sequence of ``n`` equal steps (Keras's ``layers.RepeatVector``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_positive_int
from .base import Layer


class RepeatVector(Layer):
    """Each sample's vector repeated ``n`` times along a new time axis: ``(m, features) -> (m, n, features)``.

    The usual bridge from an encoder's last state to a decoder that reads one step per
    output (a sequence-to-sequence model)::

        y[b, t, :] = x[b, :]                     for t = 0 .. n - 1
        dJ/dx[b, :] = sum_t dJ/dy[b, t, :]       (every copy adds its gradient)

    Args:
        n: the number of repetitions, an int >= 1.

    Example:
        >>> import numpy as np
        >>> RepeatVector(3).forward(np.array([[1.0, 2.0]]))
        array([[[1., 2.],
                [1., 2.],
                [1., 2.]]])
        >>> RepeatVector(40).compute_output_shape((16,))
        (40, 16)
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n = check_positive_int(n, "n", "RepeatVector")

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) != 1:
            raise ValueError(
                f"{self!r} expects samples that are vectors, of shape (features,) (batch excluded); "
                f"put a Flatten before it. Received: input shape {tuple(input_shape)}"
            )
        return (self.n, input_shape[0])

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y = self.buffer("y", (x.shape[0], self.n, x.shape[1]))
        np.copyto(y, x[:, None, :])
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return np.sum(grad_out, axis=1, out=self.buffer("grad_in", (grad_out.shape[0], grad_out.shape[2])))

    def get_config(self) -> dict[str, Any]:
        return {"n": self.n}
