"""TokenAndPositionEmbedding: a token's vector plus its position's (keras_hub's layer, a GPT's first step)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._checks import check_positive_int
from .embedding import Embedding
from .position_embedding import check_positions, positions_backward


class TokenAndPositionEmbedding(Embedding):
    """Embeds integer tokens and adds a learned embedding of each position.

    Forward, for token indices ``x`` of shape ``(m, T)`` and ``s = start_index``::

        y[b, t, :] = W[x[b, t], :] + P[s + t, :]     W: (vocabulary_size, d), P: (sequence_length, d)

    Backward, given ``g = dJ/dy``: each token's row sums ``g`` where the token stands (`Embedding`),
    each position's row sums ``g`` over the batch (`PositionEmbedding`); indices get no gradient.
    Weights, in keras_hub's order: ``embeddings`` (the tokens'), then ``position_embeddings``.

    Args:
        vocabulary_size: the number of tokens, >= 1.
        sequence_length: the number of positions, >= 1.
        embedding_dim: the width ``d`` of both embeddings, >= 1.
        embeddings_initializer: name in `tinyframe.initializers` or a callable, for both tables
            (``"uniform"``: U(-0.05, 0.05), as keras_hub).
        mask_zero: whether token 0 is padding: the output carries a mask (see `Embedding`).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = TokenAndPositionEmbedding(10, 4, 3).build((4,), dtype="float64", rng=0)
        >>> W, P = layer.get_weights()
        >>> y = layer(np.array([[7, 7, 0, 1]]))
        >>> y.shape, bool(np.allclose(y[0, 1], W[7] + P[1]))
        ((1, 4, 3), True)
    """

    def __init__(
        self,
        vocabulary_size: int,
        sequence_length: int,
        embedding_dim: int,
        embeddings_initializer: str | Callable = "uniform",
        mask_zero: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(vocabulary_size, embedding_dim, embeddings_initializer, mask_zero, **kwargs)
        self.sequence_length = check_positive_int(sequence_length, "sequence_length", "TokenAndPositionEmbedding")
        self._span: tuple[int, int] | None = None

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) != 1:
            raise ValueError(f"{self!r}: expected token indices (batch, time). Received: {(None, *input_shape)}")
        if input_shape[0] is not None:  # a variable length is checked batch by batch
            check_positions(self, input_shape[0], 0, self.sequence_length)
        return (*input_shape, self.output_dim)

    def build(self, input_shape: tuple[int, ...] | None) -> None:
        super().build(input_shape)
        self.add_param("position_embeddings", (self.sequence_length, self.output_dim), self.embeddings_initializer)

    def forward(self, x: np.ndarray, training: bool = False, start_index: int = 0) -> np.ndarray:
        if x.ndim != 2:
            raise ValueError(f"{self!r}: expected token indices (batch, time). Received: shape {x.shape}")
        T = x.shape[1]
        check_positions(self, T, start_index, self.sequence_length)
        y = super().forward(x, training)
        y += self.params["position_embeddings"][start_index : start_index + T]
        self._span = (start_index, start_index + T)
        return y

    def backward_params(self, grad_out: np.ndarray) -> None:
        super().backward_params(grad_out)
        positions_backward(self.grads["position_embeddings"], self._span, grad_out)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        return {
            "vocabulary_size": config["input_dim"],
            "sequence_length": self.sequence_length,
            "embedding_dim": config["output_dim"],
            "embeddings_initializer": config["embeddings_initializer"],
            **({"mask_zero": True} if self.mask_zero else {}),
        }
