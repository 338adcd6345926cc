"""Bidirectional: a recurrent layer run forward and backward in time, the two outputs merged."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import masks
from .base import Layer
from .recurrent import Recurrent

MERGE_MODES = ("concat", "sum", "ave", "mul")


class Bidirectional(Layer):
    """Keras's ``Bidirectional`` wrapper: one recurrent layer reads the sequence forward, a second one backward.

    Forward, for ``x`` of shape ``(m, T, features)``; ``F`` is the wrapped layer, ``B``
    a fresh layer of the same class and config with its own weights (or ``backward_layer``);
    ``rev`` reverses the time axis, ``rev(x)[:, t] = x[:, T-1-t]``::

        y_f = F(x)                            (m, T, u) with return_sequences, else (m, u)
        y_b = B(rev(x))                       B's last state has read x_{T-1}, ..., x_0
        y_b = rev(y_b)  if return_sequences   so that step t of y_f and y_b is input step t (Keras's rule)
        y = [y_f, y_b]  concat (last axis, 2u) | y_f + y_b  sum | (y_f + y_b) / 2  ave | y_f * y_b  mul

    Backward, given ``g = dJ/dy``: the chain rule through the merge, the reversal and both layers::

        concat: g_f = g[..., :u], g_b = g[..., u:]   sum: g_f = g_b = g   ave: g_f = g_b = g / 2
        mul:    g_f = g * y_b,    g_b = g * y_f
        g_b = rev(g_b)  if return_sequences         (back into B's own time order)
        dJ/dx = F.backward(g_f) + rev(B.backward(g_b))

    and each ``backward`` sets its layer's parameter gradients.

    **Who owns what.** The wrapper owns both layers and their parameters: they are
    built inside the wrapper's build, in the wrapper's block of memory, and listed in
    its ``params``/``grads`` under Keras's prefixes (``forward_kernel``, ...,
    ``backward_bias``), forward layer first. So optimizers, saving, ``get_weights``,
    ``count_params`` and ``trainable`` treat the wrapper as any layer (the inner layers'
    own ``trainable`` flags are not read). The wrapped layers must be new (not built).

    Args:
        layer: a recurrent layer instance (`SimpleRNN`, `GRU`, `LSTM`, or a `Recurrent`
            subclass), not built yet.
        merge_mode: ``"concat"`` (default), ``"sum"``, ``"ave"`` or ``"mul"``. Keras's
            ``None`` (a list of two outputs) is refused: a `Sequential` passes one array.
        backward_layer: the layer for the reversed sequence, a `Recurrent` with the same
            ``return_sequences`` (for sum/ave/mul also the same ``units``); by default a
            copy of ``layer``'s config with weights of its own.
        name, input_shape: see `Layer`.

    Example (the MNIST-1D paper's bidirectional GRU)::

        >>> import numpy as np
        >>> from tinyframe.layers import GRU
        >>> layer = Bidirectional(GRU(6, return_sequences=True)).build((40, 1), dtype="float64", rng=0)
        >>> layer.forward(np.ones((100, 40, 1))).shape
        (100, 40, 12)
        >>> list(layer.params)[:3], layer.count_params()  # two GRUs of 3 * 6 * (1 + 6) + 2 * 3 * 6
        (['forward_kernel', 'forward_recurrent_kernel', 'forward_bias'], 324)
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    writes_in_place = True  # the wrapped layers write their gradients with out= (see Sequential._sync)

    def __init__(
        self, layer: Recurrent, merge_mode: str = "concat", backward_layer: Recurrent | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._keep_steps: np.ndarray | None = None  # the data steps of the last call's mask (return_sequences)
        _check_recurrent(layer, "layer")
        if merge_mode is None:
            raise ValueError(
                "Bidirectional: merge_mode=None (Keras's list of the two outputs) is not supported: a Sequential "
                f"needs one array from each layer. Use one of {MERGE_MODES}. Received: merge_mode=None"
            )
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {MERGE_MODES}. Received: {merge_mode!r}")
        self._given_backward = backward_layer is not None
        if backward_layer is None:
            backward_layer = type(layer).from_config(layer.get_config())
        else:
            _check_recurrent(backward_layer, "backward_layer")
            if backward_layer is layer:
                raise ValueError("Bidirectional: backward_layer must be another instance than layer")
            if backward_layer.return_sequences != layer.return_sequences:
                raise ValueError(
                    "Bidirectional: backward_layer must have the return_sequences of layer "
                    f"({layer.return_sequences}). Received: return_sequences={backward_layer.return_sequences}"
                )
            if merge_mode != "concat" and backward_layer.units != layer.units:
                raise ValueError(
                    f"Bidirectional: merge_mode={merge_mode!r} needs layers of the same units ({layer.units}). "
                    f"Received: backward_layer with units={backward_layer.units}"
                )
        self.forward_layer, self.backward_layer = layer, backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self._kept: tuple[np.ndarray, np.ndarray] | None = None  # (y_f, y_b in input time order) for mul

    def _directions(self) -> tuple[tuple[str, Recurrent], tuple[str, Recurrent]]:
        return ("forward_", self.forward_layer), ("backward_", self.backward_layer)

    # ------------------------------------------------------------------ shapes
    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        try:
            y_f = self.forward_layer.compute_output_shape(input_shape)
            y_b = self.backward_layer.compute_output_shape(input_shape)
        except ValueError as error:
            raise ValueError(f"{self!r}: {error}") from None
        return (*y_f[:-1], y_f[-1] + y_b[-1]) if self.merge_mode == "concat" else y_f

    def build(self, input_shape: tuple[int, ...] | None) -> None:
        """Build both layers while this layer is built (their parameters join the model's block), then list
        their parameters as its own."""
        if input_shape is None:
            raise ValueError(f"{self!r}: the input shape is unknown; build((timesteps, features))")
        self.compute_output_shape(input_shape)
        for prefix, layer in self._directions():
            layer.build(input_shape)  # in this layer's pass and block, as Keras's wrapper builds its layers
            for name in layer.params:
                self.params[prefix + name], self.grads[prefix + name] = layer.params[name], layer.grads[name]
            self.state.update((prefix + name, s) for name, s in layer.state.items())

    def _repacked(self) -> None:
        """Point the wrapped layers at this layer's moved arrays (after a copy or unpickling)."""
        for prefix, layer in self._directions():
            for name in layer.params:
                layer.params[name], layer.grads[name] = self.params[prefix + name], self.grads[prefix + name]
            for name in layer.state:
                layer.state[name] = self.state[prefix + name]

    # ---------------------------------------------------------------- the maths
    supports_masking = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask if self.return_sequences else None

    def forward(self, x: np.ndarray, training: bool = False, mask: np.ndarray | None = None) -> np.ndarray:
        if x.ndim != 3:
            self.compute_output_shape(x.shape[1:])  # raises: the message names the layer and the shape
        x_rev = self.buffer("x_reversed", x.shape)
        np.copyto(x_rev, x[:, ::-1])  # contiguous: the backward layer keeps it for its backward
        keep = None if mask is None else masks.check(mask, x, self)
        y_f = self.forward_layer.forward(x, training=training, mask=keep)
        y_b = self.backward_layer.forward(x_rev, training=training, mask=None if keep is None else keep[:, ::-1])
        if self.return_sequences:
            y_b = y_b[:, ::-1]
            if keep is not None:  # Keras: a masked step's outputs are 0 here (both directions)
                y_f *= keep[:, :, None]
                y_b *= keep[:, :, None]
        self._kept = (y_f, y_b)
        self._keep_steps = keep if self.return_sequences else None
        u = y_f.shape[-1]
        y = self.buffer("y", (*y_f.shape[:-1], u + y_b.shape[-1] if self.merge_mode == "concat" else u))
        if self.merge_mode == "concat":
            y[..., :u], y[..., u:] = y_f, y_b
        elif self.merge_mode == "mul":
            np.multiply(y_f, y_b, out=y)
        else:
            np.add(y_f, y_b, out=y)
            if self.merge_mode == "ave":
                y *= 0.5
        return y

    def _split(self, grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(g_f, g_b)``: the gradients of the two layers' outputs, ``g_b`` in the backward layer's time order."""
        y_f, y_b = self._kept
        if self.merge_mode == "concat":
            u = y_f.shape[-1]
            g_f, g_b = grad_out[..., :u], grad_out[..., u:]
        elif self.merge_mode == "sum":
            g_f = g_b = grad_out
        elif self.merge_mode == "ave":
            g_f = g_b = np.multiply(grad_out, 0.5, out=self.buffer("grad_half", grad_out.shape))
        else:
            g_f = np.multiply(grad_out, y_b, out=self.buffer("grad_forward", grad_out.shape))
            g_b = np.multiply(grad_out, y_f, out=self.buffer("grad_backward", grad_out.shape))
        if self._keep_steps is not None:  # the outputs set to 0 at masked steps pass no gradient
            g_f, g_b = g_f * self._keep_steps[:, :, None], g_b * self._keep_steps[:, :, None]
        return g_f, (g_b[:, ::-1] if self.return_sequences else g_b)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        g_f, g_b = self._split(grad_out)
        dx_f = self.forward_layer.backward(g_f)
        dx_b = self.backward_layer.backward(g_b)
        return np.add(dx_f, dx_b[:, ::-1], out=self.buffer("grad_in", dx_f.shape))

    def backward_params(self, grad_out: np.ndarray) -> None:
        g_f, g_b = self._split(grad_out)
        self.forward_layer.backward_params(g_f)
        self.backward_layer.backward_params(g_b)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        from .. import _config  # saving's helpers sit above the layers: imported when a config is asked for

        config = {"layer": _config.to_spec(self.forward_layer, "Bidirectional.layer"), "merge_mode": self.merge_mode}
        if self._given_backward:
            config["backward_layer"] = _config.to_spec(self.backward_layer, "Bidirectional.backward_layer")
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Bidirectional:
        """The wrapper a saved config describes; the inner layers' classes are looked up by name (no code runs)."""
        from .. import _config, registry

        config = dict(config)
        for key in ("layer", "backward_layer"):
            if config.get(key) is not None:
                where = f"Bidirectional.{key}"
                name = _config.field(config[key], "class_name", str, where)
                if not issubclass(registry.lookup(name, "layer"), Recurrent):  # checked before building it
                    raise ValueError(f"{where} must be a recurrent layer. Received: class_name={name!r}")
                config[key] = _config.from_spec(config[key], "layer", where)
        return cls(**config)

    def __repr__(self) -> str:
        """``Bidirectional(GRU(6, return_sequences=True))``, then the arguments that differ from the defaults."""
        args = [repr(self.forward_layer)]
        if self.merge_mode != "concat":
            args.append(f"merge_mode={self.merge_mode!r}")
        if self._given_backward:
            args.append(f"backward_layer={self.backward_layer!r}")
        return f"Bidirectional({', '.join(args)})"


def _check_recurrent(layer: Any, name: str) -> None:
    if not isinstance(layer, Recurrent):
        raise TypeError(
            f"Bidirectional: {name} must be a recurrent layer instance (SimpleRNN, GRU, LSTM). "
            f"Received: {layer!r} of type {type(layer).__name__}"
        )
    if layer.built:
        raise ValueError(
            f"Bidirectional: {name} must not be built yet: the wrapper creates its weights (built, it may share "
            f"them with another model). Pass a new layer. Received: a built {layer!r}"
        )
