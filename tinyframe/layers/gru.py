"""GRU: the gated recurrent unit, a state that update and reset gates blend with a candidate."""

from __future__ import annotations

from typing import Any

import numpy as np

from .recurrent import GatedRecurrent, check_bool


class GRU(GatedRecurrent):
    """Gated recurrent unit (Cho et al., 2014), Keras 3's ``GRUCell`` with ``reset_after=True``.

    Forward, for ``x`` of shape ``(m, T, features)``; three gate blocks in Keras's order
    ``z, r, h``, each of ``u = units`` columns; ``s`` = recurrent_activation (sigmoid),
    ``g`` = activation (tanh); the bias has two rows, ``b[0]`` for the input and ``b[1]``
    for the state (``reset_after``: the reset gate multiplies ``h_{t-1} U_h + b[1]_h``)::

        a_t = x_t @ W + b[0]                 W: (features, 3u), b: (2, 3u)
        r_t = h_{t-1} @ U + b[1]             U: (u, 3u)
        z  = s(a_z + r_z)                    update gate      (m, u)
        r  = s(a_r + r_r)                    reset gate
        hh = g(a_h + r * r_h)                candidate state
        h_t = z * h_{t-1} + (1 - z) * hh     h_{-1} = 0

    Backward (BPTT, see `Recurrent`), given ``dh_t``::

        dz  = dh_t * (h_{t-1} - hh)           dhh = dh_t * (1 - z)
        da_h = dhh * g'(.)                    (tanh: 1 - hh**2)
        dr  = da_h * r_h                      dr_h = da_h * r
        da_z = dz * s'(.),  da_r = dr * s'(.)  (sigmoid: s (1 - s));  dr_z = da_z,  dr_r = da_r
        dh_{t-1} = [dr_z, dr_r, dr_h] @ U.T + dh_t * z
        dJ/db[0] = sum_t sum_rows da_t,  dJ/db[1] = sum_t sum_rows dr_t

    and ``dJ/dW``, ``dJ/dU``, ``dJ/dx`` as in `Recurrent` (``da_t`` and ``dr_t`` differ in the h block).

    Args:
        units: the size of the state ``h`` (and of the output).
        activation: ``g``, ``"tanh"`` by default (elementwise activations only).
        recurrent_activation: ``s``, ``"sigmoid"`` by default.
        return_sequences: False: the last state, ``(m, units)``; True: every state, ``(m, T, units)``.
        kernel_initializer, recurrent_initializer, bias_initializer: ``"glorot_uniform"``,
            ``"orthogonal"`` and ``"zeros"`` by default, as Keras.
        reset_after: only True (Keras 3's default) is implemented; False is refused.
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = GRU(6, return_sequences=True).build((40, 1), dtype="float64", rng=0)
        >>> layer.forward(np.ones((100, 40, 1))).shape
        (100, 40, 6)
        >>> layer.params["bias"].shape       # Keras's (2, 3 * units) for reset_after
        (2, 18)
    """

    writes_in_place = True  # backward writes self.grads with out=; never rebinds (see Sequential._sync)
    gates = 3

    def __init__(self, units: int, *args: Any, reset_after: bool = True, **kwargs: Any) -> None:
        """``(units, activation, recurrent_activation)`` positionally, the rest by keyword (see `GatedRecurrent`)."""
        super().__init__(units, *args, **kwargs)
        if not check_bool(reset_after, "reset_after", "GRU"):
            raise ValueError(
                "GRU: only reset_after=True (Keras 3's default) is implemented. Received: reset_after=False"
            )

    def bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units)

    def input_bias(self) -> np.ndarray:
        return self.params["bias"][0]

    def _bias_grad(self, dA: np.ndarray, dR: np.ndarray) -> None:
        np.copyto(self.grads["bias"][0], self._row_sums(dA))
        np.copyto(self.grads["bias"][1], self._row_sums(dR))

    def _recurrent_grad(self, dA: np.ndarray) -> np.ndarray:
        return self.buffer("grad_r", dA.shape)

    # ---------------------------------------------------------------- the maths
    def gate_activations(self) -> list:
        return [self.recurrent_activation] * 2  # z, r (hh waits for r)

    def _keep(self, m: int, T: int) -> dict[str, np.ndarray]:
        u = self.units
        return {
            "rec": self.buffer("rec", (T, 3 * u, m)),  # r_t.T = U.T h_{t-1}.T + b[1]; r_h is needed for dr
            "gate": self.buffer("gate", (T, 3 * u, m)),  # z, r, hh (rows)
            "tmp": self.buffer("tmp", (u, m)),
        }

    def _keep_backward(self, m: int) -> dict[str, np.ndarray]:
        u = self.units
        return {"dgate": self.buffer("grad_gate", (3 * u, m)), "bypass": self.buffer("bypass", (u, m))}

    def _step(self, t: int, a: np.ndarray, h_prev: np.ndarray, h: np.ndarray, kept: dict) -> None:
        u, g = self.units, self.activation
        rec, gate = kept["rec"][t], kept["gate"][t]
        np.matmul(kept["U"].T, h_prev, out=rec)
        rec += self.params["bias"][1][:, None]
        a[: 2 * u] += rec[: 2 * u]  # a becomes the pre-activations, kept for the derivatives
        self._gate_pass.function(a[: 2 * u], out=gate[: 2 * u])
        a[2 * u :] += np.multiply(gate[u : 2 * u], rec[2 * u :], out=kept["tmp"])
        hh = g.function(a[2 * u :], out=gate[2 * u :])
        np.subtract(h_prev, hh, out=h)  # h = hh + z * (h_prev - hh)
        h *= gate[:u]
        h += hh

    def _step_backward(
        self, t: int, dh: np.ndarray, h_prev: np.ndarray, da: np.ndarray, dr: np.ndarray, kept: dict
    ) -> np.ndarray:
        u, g = self.units, self.activation
        pre, gate, rec, dgate = kept["a"][t], kept["gate"][t], kept["rec"][t], kept["dgate"]
        np.multiply(dh, np.subtract(h_prev, gate[2 * u :], out=dgate[:u]), out=dgate[:u])  # dz
        np.multiply(dh, np.subtract(1, gate[:u], out=dgate[2 * u :]), out=dgate[2 * u :])  # dhh
        g.derivative(pre[2 * u :], gate[2 * u :], dgate[2 * u :], out=da[2 * u :])  # da_h
        np.multiply(da[2 * u :], rec[2 * u :], out=dgate[u : 2 * u])  # dr, the reset gate's
        self._gate_pass.derivative(pre[: 2 * u], gate[: 2 * u], dgate[: 2 * u], out=da[: 2 * u])
        dr[: 2 * u] = da[: 2 * u]
        np.multiply(da[2 * u :], gate[u : 2 * u], out=dr[2 * u :])
        return np.multiply(dh, gate[:u], out=kept["bypass"])
