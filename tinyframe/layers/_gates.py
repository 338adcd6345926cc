"""Gate nonlinearities of a recurrent cell: activations on blocks of ``units`` columns, as few passes as possible."""

from __future__ import annotations

import numpy as np

from ..activations import Activation, Sigmoid, Tanh


class Gates:
    """Elementwise activations on the gate blocks of a contiguous ``(m, k*u)`` array, forward and backward.

    ``Gates([s, s, g, s], u)`` applies ``s`` to columns ``[0, 2u)`` and ``[3u, 4u)`` and ``g``
    to ``[2u, 3u)`` (LSTM's ``i, f, c~, o``). Neighbouring blocks of one activation are one call.

    When every block is a sigmoid or a tanh (the cells' defaults), all blocks are one fused
    pass over the whole array, through ``tanh`` alone, since::

        sigmoid(z) = 0.5 + 0.5 * tanh(0.5 z)            so   y = B + S * tanh(S z)
        S = 0.5, B = 0.5 on a sigmoid block;  S = 1, B = 0 on a tanh block

    (four NumPy calls on ``k*u`` columns). ``tanh`` saturates at exactly ``±1`` and never
    overflows, so the sigmoid is exactly 0 or 1 far out, without an overflow to silence.
    Backward, from the outputs ``y`` alone::

        sigmoid: y' = y (1 - y)       tanh: y' = 1 - y**2 = (1 - y)(1 + y)
        so       dJ/dz = dJ/dy * (1 - y) * (Q + y),   Q = 0 on a sigmoid block, 1 on a tanh block

    Example:
        >>> import numpy as np
        >>> gates = Gates([Sigmoid(), Tanh()], 2)
        >>> z = np.array([[0.0, -1e4, 0.0, 1e4]])
        >>> gates.function(z, np.empty_like(z))
        array([[0.5, 0. , 0. , 1. ]])
    """

    def __init__(self, activations: list[Activation], units: int) -> None:
        self.runs = []  # (activation, first column, end column): neighbouring blocks of one activation merged
        for j, activation in enumerate(activations):
            if self.runs and self.runs[-1][0] is activation:
                self.runs[-1][2] = (j + 1) * units
            else:
                self.runs.append([activation, j * units, (j + 1) * units])
        self.fused = all(type(a) in (Sigmoid, Tanh) for a in activations)
        sigmoid = np.repeat([type(a) is Sigmoid for a in activations], units)
        self.vectors = {
            "S": np.where(sigmoid, 0.5, 1.0),
            "B": np.where(sigmoid, 0.5, 0.0),
            "Q": np.where(sigmoid, 0.0, 1.0),
        }
        self._cast: dict[np.dtype, dict[str, np.ndarray]] = {}  # the vectors in each dtype met, made once

    def _in(self, dtype: np.dtype) -> dict[str, np.ndarray]:
        if dtype not in self._cast:
            self._cast[dtype] = {name: v.astype(dtype) for name, v in self.vectors.items()}
        return self._cast[dtype]

    def function(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out`` = the activations of ``z`` (``z`` is left as it is)."""
        if not self.fused:
            for activation, start, end in self.runs:
                activation.function(z[:, start:end], out=out[:, start:end])
            return out
        v = self._in(z.dtype)
        np.multiply(z, v["S"], out=out)
        np.tanh(out, out=out)
        out *= v["S"]
        out += v["B"]
        return out

    def derivative(self, z: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out = dJ/dz`` from ``grad = dJ/dy``; fused, ``grad`` is overwritten (it is scratch)."""
        if not self.fused:
            for activation, start, end in self.runs:
                activation.derivative(z[:, start:end], y[:, start:end], grad[:, start:end], out=out[:, start:end])
            return out
        np.subtract(1, y, out=out)
        out *= grad
        np.add(y, self._in(y.dtype)["Q"], out=grad)
        out *= grad
        return out
