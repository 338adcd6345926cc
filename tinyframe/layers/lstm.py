"""LSTM: long short-term memory, a cell state that gates decide to keep, forget and show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import initializers
from .recurrent import GatedRecurrent, check_bool


class LSTM(GatedRecurrent):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), Keras's ``LSTMCell``.

    Forward, for ``x`` of shape ``(m, T, features)``; four gate blocks in Keras's order
    ``i, f, c, o``, each of ``units`` columns; ``s`` = recurrent_activation (sigmoid),
    ``g`` = activation (tanh); ``h_{-1} = c_{-1} = 0``::

        z_t = x_t @ W + h_{t-1} @ U + b        W: (features, 4u), U: (u, 4u), b: (4u,)
        i = s(z_i)   f = s(z_f)   c~ = g(z_c)   o = s(z_o)       each (m, u)
        c_t = f * c_{t-1} + i * c~
        h_t = o * g(c_t)

    Backward (BPTT, see `Recurrent`). Besides ``dh_t`` a second gradient flows back in
    time, ``dc_t``, through ``c_{t+1} = f_{t+1} * c_t + ...``::

        do  = dh_t * g(c_t)
        dc  = dc_t^(from step t+1) + dh_t * o * g'(c_t)          (tanh: 1 - g(c_t)**2)
        di  = dc * c~        df = dc * c_{t-1}        dc~ = dc * i
        dc_{t-1}^(from step t) = dc * f
        dz_t = [di * s'(z_i), df * s'(z_f), dc~ * g'(z_c), do * s'(z_o)]   (sigmoid: s' = s (1 - s))
        dh_{t-1} = dz_t @ U.T

    and the sums over time of `Recurrent` with ``da_t = dr_t = dz_t``. Inside, the gate
    blocks are kept in the order ``i, f, o, c~`` (`gate_order`), so that the three sigmoids
    are one call on contiguous rows; the weights and their gradients keep Keras's order.

    Args:
        units: the size of ``h`` and ``c`` (and of the output).
        activation: ``g``, ``"tanh"`` by default (elementwise activations only).
        recurrent_activation: ``s``, ``"sigmoid"`` by default.
        return_sequences: False: the last ``h``, ``(m, units)``; True: every ``h_t``, ``(m, T, units)``.
        unit_forget_bias: True (Keras's default): the forget-gate bias starts at 1, so
            the cell keeps its memory at first; the other biases take ``bias_initializer``.
        kernel_initializer, recurrent_initializer, bias_initializer: ``"glorot_uniform"``,
            ``"orthogonal"`` and ``"zeros"`` by default, as Keras.
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = LSTM(8).build((40, 3), dtype="float64", rng=0)
        >>> layer.forward(np.ones((2, 40, 3))).shape
        (2, 8)
        >>> layer.params["bias"][8:16]          # the forget gate's bias starts at 1
        array([1., 1., 1., 1., 1., 1., 1., 1.])
    """

    writes_in_place = True  # backward writes self.grads with out=; never rebinds (see Sequential._sync)
    gates = 4

    def __init__(self, units: int, *args: Any, unit_forget_bias: bool = True, **kwargs: Any) -> None:
        """``(units, activation, recurrent_activation)`` positionally, the rest by keyword (see `GatedRecurrent`)."""
        super().__init__(units, *args, **kwargs)
        self.unit_forget_bias = check_bool(unit_forget_bias, "unit_forget_bias", "LSTM")

    def bias_initial(self) -> str | Callable:
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = initializers.get(self.bias_initializer), self.units

        def forget_bias_one(shape: tuple[int, ...], rng: Any, dtype: Any) -> np.ndarray:
            """Keras's unit_forget_bias: [init(u), ones(u), init(2u)] (in that order, so draws match Keras's)."""
            return np.concatenate([init((u,), rng, dtype), np.ones(u, dtype), init((2 * u,), rng, dtype)])

        return forget_bias_one

    # ---------------------------------------------------------------- the maths
    gate_order = (0, 1, 3, 2)  # kept as i, f, o, c~: the three sigmoid gates side by side, squashed in one call

    def gate_activations(self) -> list:
        s, g = self.recurrent_activation, self.activation
        return [s, s, s, g]  # i, f, o, c~

    def _keep(self, m: int, T: int) -> dict[str, np.ndarray]:
        u = self.units
        c = self.buffer("c", (T + 1, u, m))  # c[t + 1] = c_t.T, c[0] = c_{-1} = 0, as `Recurrent`'s h
        c[0] = 0
        return {
            **super()._keep(m, T),
            "gate": self.buffer("gate", (T, 4 * u, m)),  # i, f, o, c~ (rows)
            "c": c,
            "gc": self.buffer("gc", (T, u, m)),  # g(c_t)
            "tmp": self.buffer("tmp", (u, m)),
        }

    def _keep_backward(self, m: int) -> dict[str, np.ndarray]:
        dc = self.buffer("grad_c", (self.units, m))
        dc[...] = 0  # nothing flows back from after the last step (a reused buffer holds the last call's)
        return {"dc": dc, "dgate": self.buffer("grad_gate", (4 * self.units, m))}

    def _carried(self, kept: dict) -> tuple[np.ndarray, ...]:
        return (kept["c"],)

    def _carried_grads(self, kept: dict) -> tuple[np.ndarray, ...]:
        return (kept["dc"],)

    def _step(self, t: int, a: np.ndarray, h_prev: np.ndarray, h: np.ndarray, kept: dict) -> None:
        u, g = self.units, self.activation
        a += np.matmul(kept["U"].T, h_prev, out=kept["r"])  # a becomes z_t.T
        gate, c_prev, c, gc = kept["gate"][t], kept["c"][t], kept["c"][t + 1], kept["gc"][t]
        self._gate_pass.function(a, out=gate)
        i, f, o, cc = gate[:u], gate[u : 2 * u], gate[2 * u : 3 * u], gate[3 * u :]
        np.multiply(f, c_prev, out=c)
        c += np.multiply(i, cc, out=kept["tmp"])
        g.function(c, out=gc)
        np.multiply(o, gc, out=h)

    def _step_backward(
        self, t: int, dh: np.ndarray, h_prev: np.ndarray, da: np.ndarray, dr: np.ndarray, kept: dict
    ) -> None:
        u, g = self.units, self.activation
        gate, c_prev, c, gc = kept["gate"][t], kept["c"][t], kept["c"][t + 1], kept["gc"][t]
        dc, dgate = kept["dc"], kept["dgate"]
        i, f, o, cc = gate[:u], gate[u : 2 * u], gate[2 * u : 3 * u], gate[3 * u :]
        di, df, do, dcc = dgate[:u], dgate[u : 2 * u], dgate[2 * u : 3 * u], dgate[3 * u :]
        np.multiply(dh, gc, out=do)
        dc += g.derivative(c, gc, np.multiply(dh, o, out=kept["tmp"]), out=di)  # di's slot: scratch for a moment
        np.multiply(dc, cc, out=di)
        np.multiply(dc, c_prev, out=df)
        np.multiply(dc, i, out=dcc)
        dc *= f  # carried to step t-1
        self._gate_pass.derivative(kept["a"][t], gate, dgate, out=da)  # dz_t.T

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}
