"""PositionEmbedding: a learned vector per position of a sequence (keras_hub's layer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import initializers
from .._checks import check_positive_int
from .base import Layer


def check_positions(owner: Any, length: int, start_index: int, sequence_length: int) -> None:
    """ValueError unless positions ``start_index ... start_index + length - 1`` are within ``sequence_length``."""
    if isinstance(start_index, bool) or not isinstance(start_index, (int, np.integer)) or start_index < 0:
        raise ValueError(f"{owner!r}: start_index must be an integer >= 0. Received: start_index={start_index!r}")
    if start_index + length > sequence_length:
        raise ValueError(
            f"{owner!r}: positions {start_index}..{start_index + length - 1} do not fit: the layer has "
            f"{sequence_length} positions (sequence_length). Received a sequence of {length} steps"
        )


def positions_backward(dP: np.ndarray, span: tuple[int, int], grad_out: np.ndarray) -> None:
    """``dP[s + t] = sum over the batch of grad_out[:, t]`` for the rows ``span`` used, 0 elsewhere (in place)."""
    dP[...] = 0.0
    np.sum(grad_out, axis=0, out=dP[span[0] : span[1]])


class PositionEmbedding(Layer):
    """The learned position embedding of GPT and BERT: row ``t`` of a table for the step at position ``t``.

    Forward, for ``x`` of shape ``(m, T, d)`` (only its shape is read), with ``s = start_index``::

        y[b, t, :] = P[s + t, :]           P: (sequence_length, d), y: (m, T, d)

    Add it to the token embeddings (``x + PositionEmbedding(T)(x)``). Backward, given ``g = dJ/dy``::

        dJ/dP[s + t, :] = sum over b of g[b, t, :]      (the other rows: 0)
        dJ/dx = 0                                        (the output does not depend on x's values)

    ``start_index`` (a call option) shifts the positions: a decoder that generates one step at a
    time embeds step ``s`` alone.

    Args:
        sequence_length: the number of positions, >= 1 (the longest sequence it takes).
        initializer: name in `tinyframe.initializers` or a callable (``"glorot_uniform"``, as keras_hub).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = PositionEmbedding(8).build((5, 3), dtype="float64", rng=0)
        >>> y = layer(np.zeros((2, 5, 3)))
        >>> y.shape, bool(np.all(y[1, 4] == layer.params["embeddings"][4]))
        ((2, 5, 3), True)
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    supports_masking = True  # a mask passes through unchanged (tinyframe.layers.masks)

    def __init__(self, sequence_length: int, initializer: str | Callable = "glorot_uniform", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sequence_length = check_positive_int(sequence_length, "sequence_length", "PositionEmbedding")
        initializers.get(initializer)  # an unknown name is refused now
        self.initializer = initializer
        self._span: tuple[int, int] | None = None  # the rows this call used, for backward

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) != 2:
            raise ValueError(f"{self!r}: expected inputs (batch, time, features). Received: {(None, *input_shape)}")
        if input_shape[0] is not None:  # a variable length is checked batch by batch
            check_positions(self, input_shape[0], 0, self.sequence_length)
        return tuple(input_shape)

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.add_param("embeddings", (self.sequence_length, input_shape[-1]), self.initializer)

    def forward(self, x: np.ndarray, training: bool = False, start_index: int = 0) -> np.ndarray:
        T = x.shape[1]
        check_positions(self, T, start_index, self.sequence_length)
        self._span = (start_index, start_index + T)
        y = self.buffer("y", x.shape)
        y[...] = self.params["embeddings"][start_index : start_index + T]
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.backward_params(grad_out)
        return np.zeros_like(grad_out)

    def backward_params(self, grad_out: np.ndarray) -> None:
        positions_backward(self.grads["embeddings"], self._span, grad_out)

    def get_config(self) -> dict[str, Any]:
        init = self.initializer
        return {
            "sequence_length": self.sequence_length,
            "initializer": init if isinstance(init, str) else init.__name__,
        }
