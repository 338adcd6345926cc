"""The base class of everything that goes into a `Sequential`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import initializers
from .._buffers import Buffers


class Layer:
    """One step of a network: a `forward` that keeps what its `backward` needs.

    Contract (DESIGN.md):

    * ``forward(x, training=False) -> y`` with ``x`` of shape ``(m, in)``.
    * ``backward(grad_out) -> grad_in`` where ``grad_out = dJ/dy`` has the shape of
      ``y``; it *overwrites* the gradients of the layer's own parameters in
      ``self.grads`` and returns ``dJ/dx``.
    * ``self.params`` and ``self.grads`` are parallel ``name -> array`` dicts
      (empty for a layer without parameters), so optimizers and savers treat every
      layer alike.

    A layer is *built* by its `Sequential` (``build(dtype, rng)``): that is when it
    learns the model's dtype and random Generator and creates its parameters with
    `add_param`. A layer used alone is built by hand::

        >>> import numpy as np
        >>> from tinyframe.layers import Dense
        >>> layer = Dense(3, 2).build("float64", np.random.default_rng(0))
        >>> layer.forward(np.ones((4, 3))).shape
        (4, 2)

    Arrays returned by ``forward`` and ``backward`` may be per-layer scratch
    buffers that the next call reuses (that is what keeps training free of
    per-step allocations); copy one if you keep it. `Sequential.predict` copies.
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.dtype: np.dtype = np.dtype("float64")
        self.rng: np.random.Generator | None = None
        self.built = False
        self._buffers = Buffers()

    # ------------------------------------------------------------------ building
    def build(self, dtype: Any = "float64", rng: Any = None) -> Layer:
        """Fix the dtype and random Generator, create the parameters; returns self."""
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(rng)
        self.params, self.grads, self._buffers = {}, {}, Buffers()
        self.create_params()
        self.built = True
        return self

    def create_params(self) -> None:
        """Override to create parameters with `add_param` (called by `build`)."""

    def add_param(self, name: str, shape: tuple[int, ...], initializer: str | Callable) -> np.ndarray:
        """Create parameter ``name`` in the layer's dtype, with a zero gradient beside it."""
        init = initializers.get(initializer)
        value = np.asarray(init(shape, self.rng, self.dtype), dtype=self.dtype)
        if value.shape != tuple(shape):
            raise ValueError(
                f"{self!r}: initializer {initializer!r} returned shape {value.shape} "
                f"for parameter {name!r}, expected {tuple(shape)}"
            )
        self.params[name] = np.ascontiguousarray(value)
        self.grads[name] = np.zeros_like(self.params[name])
        return self.params[name]

    # ----------------------------------------------------------------- the maths
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x, training=False)")

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement backward(grad_out)")

    def backward_params(self, grad_out: np.ndarray) -> None:
        """Set the parameter gradients only (no input gradient is needed).

        `Sequential` calls this on its first layer during training, where nothing
        upstream consumes dJ/dx. The default simply calls `backward`; layers for
        which dJ/dx is real work (Dense) override it to skip that product.
        """
        self.backward(grad_out)

    def penalty(self) -> float:
        """The layer's regularisation term added to the loss (0 by default).

        A layer that returns a penalty adds its gradient to ``self.grads`` in backward.
        """
        return 0.0

    @property
    def has_penalty(self) -> bool:
        """Whether `penalty` may be non-zero; `Sequential` only asks layers for which it is True.

        True for any layer that overrides `penalty`; a layer whose penalty is optional
        (Dense without a regularizer) returns False to keep it off the per-step path.
        """
        return type(self).penalty is not Layer.penalty

    # ------------------------------------------------------------------- shapes
    def output_features(self, in_features: int | None) -> int | None:
        """Columns of the output for an input with ``in_features`` columns.

        ``None`` means unknown. Raise ValueError when ``in_features`` does not fit.
        The default keeps the width (elementwise layers).
        """
        return in_features

    # ---------------------------------------------------------------- utilities
    def buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A scratch array of ``shape`` in the layer's dtype, reused across calls."""
        return self._buffers.get(name, shape, self.dtype)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as JSON-friendly values."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
