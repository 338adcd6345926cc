"""TimeDistributed: one layer applied to every time step of a sequence, with the same weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Layer


class TimeDistributed(Layer):
    """Keras's ``TimeDistributed(layer)``: ``y[:, t] = layer(x[:, t])`` for every step ``t``, one set of weights.

    The steps are folded into the batch: ``x`` of shape ``(m, T, *s)`` is read as ``(m*T, *s)``,
    the wrapped layer runs once on it, and its output is unfolded to ``(m, T, *s_out)``. The
    backward is the wrapped layer's on the folded gradient (its parameter gradients are then
    the sums over every step, as weights shared by the steps must get), unfolded again.

    **Who owns what.** As `Bidirectional`: the wrapped layer is built inside this layer's
    build, in its block of memory, and its parameters are listed as this layer's own (same
    names), so optimizers, saving and ``count_params`` treat the wrapper as any layer.

    Example:
        >>> import numpy as np
        >>> from tinyframe.layers import Dense
        >>> layer = TimeDistributed(Dense(3)).build((5, 4), dtype="float64", rng=0)
        >>> layer.forward(np.ones((2, 5, 4))).shape, list(layer.params)
        ((2, 5, 3), ['W', 'b'])
    """

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(layer, Layer) or layer._composite:
            raise TypeError(
                f"TimeDistributed: layer must be a tinyframe Layer with a forward and backward of its own. "
                f"Received: {layer!r}"
            )
        if layer.built:
            raise ValueError(f"TimeDistributed: the wrapped layer must be new (not built). Received: {layer!r}")
        self.layer = layer

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) < 2:
            raise ValueError(
                f"{self!r}: expected sequences (timesteps, ...) of at least 2 axes per sample. "
                f"Received: input shape {tuple(input_shape)}"
            )
        return (input_shape[0], *self.layer.compute_output_shape(tuple(input_shape[1:])))

    def build(self, input_shape: tuple[int, ...] | None) -> None:
        """Build the wrapped layer for one step's shape in this layer's pass; list its parameters as its own."""
        if input_shape is None:
            raise ValueError(f"{self!r}: the input shape is unknown; build((timesteps, ...))")
        self.compute_output_shape(input_shape)
        step = tuple(input_shape[1:])
        self.layer.build(step)  # in this layer's pass and block, as Keras's wrapper builds its layer
        for name in self.layer.params:
            self.params[name], self.grads[name] = self.layer.params[name], self.layer.grads[name]
        self.state.update(self.layer.state)

    def _repacked(self) -> None:
        """Point the wrapped layer at this layer's moved arrays (after a copy or unpickling)."""
        for name in self.layer.params:
            self.layer.params[name], self.layer.grads[name] = self.params[name], self.grads[name]
        for name in self.layer.state:
            self.layer.state[name] = self.state[name]

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        m, T = x.shape[:2]
        y = self.layer.forward(x.reshape(m * T, *x.shape[2:]), training=training)
        self._shape = x.shape  # for backward
        return y.reshape(m, T, *y.shape[1:])

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        m, T = grad_out.shape[:2]
        grad_in = self.layer.backward(np.ascontiguousarray(grad_out).reshape(m * T, *grad_out.shape[2:]))
        return grad_in.reshape(self._shape)

    def penalty(self) -> float:
        return self.layer.penalty()

    @property
    def has_penalty(self) -> bool:
        return self.layer.has_penalty

    def get_config(self) -> dict[str, Any]:
        from .._config import to_spec

        return {"layer": to_spec(self.layer, "TimeDistributed's layer")}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TimeDistributed:
        from .._config import from_spec

        config = dict(config)
        return cls(from_spec(config.pop("layer"), "layer", "TimeDistributed.layer"), **config)
