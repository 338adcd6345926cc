"""SimpleRNN: the plain recurrent layer, ``h_t = tanh(x_t W + h_{t-1} U + b)``."""

from __future__ import annotations

import numpy as np

from .recurrent import Recurrent


class SimpleRNN(Recurrent):
    """Fully connected recurrence: each step mixes the input with the previous state.

    Forward, for ``x`` of shape ``(m, T, features)`` (Keras's ``SimpleRNNCell``)::

        z_t = x_t @ W + h_{t-1} @ U + b       W: (features, units), U: (units, units), b: (units,)
        h_t = f(z_t)                          f = activation (tanh), h_{-1} = 0, h_t: (m, units)

    Backward (BPTT, see `Recurrent`): given ``dh_t``, the total gradient of ``h_t``::

        dz_t = dh_t * f'(z_t)                 (tanh: dh_t * (1 - h_t**2))
        dh_{t-1} = dz_t @ U.T                 (plus dJ/dy_{t-1} when it is an output)
        dJ/dW = sum_t x_t.T @ dz_t,  dJ/dU = sum_t h_{t-1}.T @ dz_t,  dJ/db = sum_t sum_rows dz_t
        dJ/dx_t = dz_t @ W.T

    ``a_t = x_t @ W + b`` and ``r_t = h_{t-1} @ U`` meet in ``z_t`` before ``f``, so
    ``da_t = dr_t = dz_t``.

    Args:
        units: the size of the state ``h`` (and of the output).
        activation: ``"tanh"`` by default; any elementwise activation name or instance,
            or None (linear).
        return_sequences: False (default): the last state, ``(m, units)``; True: every
            state, ``(m, T, units)``, to feed another recurrent layer.
        kernel_initializer, recurrent_initializer, bias_initializer: ``"glorot_uniform"``,
            ``"orthogonal"`` and ``"zeros"`` by default, as Keras.
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = SimpleRNN(4).build((10, 3), dtype="float64", rng=0)
        >>> layer.forward(np.ones((2, 10, 3))).shape
        (2, 4)
        >>> SimpleRNN(4, return_sequences=True).build((10, 3), rng=0).forward(np.ones((2, 10, 3))).shape
        (2, 10, 4)
    """

    writes_in_place = True  # backward writes self.grads with out=; never rebinds (see Sequential._sync)
    gates = 1

    def _step(self, t: int, a: np.ndarray, h_prev: np.ndarray, h: np.ndarray, kept: dict) -> None:
        a += np.matmul(kept["U"].T, h_prev, out=kept["r"])  # a becomes z_t.T, kept for f'
        self.activation.function(a, out=h)

    def _step_backward(
        self, t: int, dh: np.ndarray, h_prev: np.ndarray, da: np.ndarray, dr: np.ndarray, kept: dict
    ) -> None:
        self.activation.derivative(kept["a"][t], kept["h"][t + 1], dh, out=da)
