"""Embedding: integer indices looked up as rows of a trainable table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import initializers
from .._checks import check_positive_int
from .base import Layer


class Embedding(Layer):
    """Turns each index ``i`` in ``[0, input_dim)`` into row ``i`` of the table ``W`` (Keras 3).

    Forward, for indices ``x`` of shape ``(m, d1, ..., dk)``::

        y[..., :] = W[x[...], :]           W: (input_dim, output_dim), y: (m, d1, ..., dk, output_dim)

    Backward, given ``g = dJ/dy``: row ``i`` of ``dJ/dW`` sums ``g`` over every position
    holding index ``i`` (an index used twice gets both contributions: a sum per
    index, as ``np.add.at`` makes, not ``dW[x] = g``)::

        dJ/dW[i, :] = sum over positions p with x[p] == i of g[p, :]
        dJ/dx = 0                          indices are not differentiable (a zero array, the shape of x)

    A model gives an input that feeds only Embeddings to them as int64 indices, exactly as
    given (never through the model's float dtype, where float32 would round 16,777,217),
    and checks every index of the data (``fit``'s validation data too) before the first step:
    each must be a whole number in ``[0, input_dim)``, or a ValueError names the first bad
    value. Called directly, forward takes floats holding whole numbers too.

    Args:
        input_dim: the number of indices (the vocabulary size), >= 1.
        output_dim: the length of each row, >= 1.
        embeddings_initializer: name in `tinyframe.initializers` or a callable
            (``"uniform"``: U(-0.05, 0.05), as Keras).
        mask_zero: whether index 0 is padding (False): the output then carries a mask, True
            where the index is not 0, which attention, average pooling and recurrent layers
            after it honour (`tinyframe.layers.masks`). Index 0 still has its row.
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = Embedding(10, 3).build((2,), dtype="float64", rng=0)
        >>> y = layer.forward(np.array([[4.0, 4.0], [0.0, 9.0]]))
        >>> y.shape, bool(np.all(y[0, 0] == layer.params["embeddings"][4]))
        ((2, 2, 3), True)
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    writes_in_place = True  # backward writes self.grads in place

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: str | Callable = "uniform",
        mask_zero: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(mask_zero, (bool, np.bool_)):
            raise TypeError(f"Embedding: mask_zero must be True or False. Received: mask_zero={mask_zero!r}")
        self.mask_zero = bool(mask_zero)
        self.input_dim = check_positive_int(input_dim, "input_dim", "Embedding")
        self.output_dim = check_positive_int(output_dim, "output_dim", "Embedding")
        initializers.get(embeddings_initializer)  # an unknown name is refused now
        self.embeddings_initializer = embeddings_initializer
        self._indices: np.ndarray | None = None  # this step's indices (intp), kept by forward for backward

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (*input_shape, self.output_dim)

    @property
    def produces_mask(self) -> bool:  # type: ignore[override]
        """With ``mask_zero=True``: the steps holding index 0 are padding (a mask, Keras's)."""
        return self.mask_zero

    @property
    def supports_masking(self) -> bool:  # type: ignore[override]
        return self.mask_zero

    def compute_mask(self, inputs: Any, mask: Any = None) -> np.ndarray | None:
        """``inputs != 0`` with ``mask_zero=True`` (Keras's), else None."""
        return np.asarray(inputs) != 0 if self.mask_zero else None

    def build(self, input_shape: tuple[int, ...] | None) -> None:
        self.add_param("embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer)

    takes_indices = True  # a model gives it its input as int64 indices, exactly (`tinyframe.data.check_indices`)

    def check_indices(self, x: np.ndarray, name: str = "X") -> None:
        """ValueError naming the first value of ``x`` (all of a model's data, before training) out of range."""
        self._checked_indices(x, name)

    def _checked_indices(self, x: np.ndarray, name: str | None = None) -> np.ndarray:
        """``x`` as intp indices, or ValueError naming the first value that is not a whole number in range."""
        if x.size == 0 or (x.min() >= 0 and x.max() < self.input_dim):  # False for NaN too
            indices = x.astype(np.intp)
            if x.dtype.kind in "iu" or np.array_equal(indices, x):
                return indices
        with np.errstate(invalid="ignore"):
            bad = ~((x >= 0) & (x < self.input_dim) & (x == np.floor(x)))
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name + ': ' if name else ''}{self!r}: indices must be whole numbers in [0, {self.input_dim}). "
            f"Received: {x[where].item()!r} at position {where} of the input"
        )

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        indices = self._checked_indices(x)
        self._indices = indices
        # mode="clip" never clips (the indices are checked) and, unlike "raise", writes straight into out.
        y = self.buffer("y", (*x.shape, self.output_dim))
        return np.take(self.params["embeddings"], indices, axis=0, out=y, mode="clip")

    def backward_params(self, grad_out: np.ndarray) -> None:
        rows_summed_by_index(self.grads["embeddings"], self._indices, grad_out)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.backward_params(grad_out)
        grad_in = self.buffer("grad_in", self._indices.shape)
        grad_in[...] = 0.0
        return grad_in

    def get_config(self) -> dict[str, Any]:
        init = self.embeddings_initializer
        name = init if isinstance(init, str) else getattr(init, "__name__", repr(init))
        config = {"input_dim": self.input_dim, "output_dim": self.output_dim, "embeddings_initializer": name}
        return {**config, "mask_zero": True} if self.mask_zero else config


def rows_summed_by_index(dW: np.ndarray, indices: np.ndarray, grad_out: np.ndarray) -> None:
    """``dW[i] = sum of grad_out's rows at the positions holding index i`` (zero for an index not used), in place.

    The rows sorted by index, then each run of one index summed (``np.add.reduceat``): the same sums as
    ``np.add.at(dW, indices, rows)``, about three times faster.
    """
    dW[...] = 0.0
    indices = indices.reshape(-1)
    if indices.size == 0:
        return
    order = np.argsort(indices, kind="stable")
    ordered = indices[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    rows = grad_out.reshape(-1, dW.shape[-1])[order]
    dW[ordered[starts]] = np.add.reduceat(rows, starts, axis=0)
