"""Recurrent: the loop over time that SimpleRNN, GRU and LSTM share, and backpropagation through time."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import activations, initializers
from .._checks import check_positive_int, keras_default_only
from ..activations import Activation, Identity, Softmax
from ._gates import Gates
from .base import Layer


class Recurrent(Layer):
    """The shared part of `SimpleRNN`, `GRU` and `LSTM`: one loop over time, forward and backward.

    A recurrent layer reads a sequence ``x`` of shape ``(m, T, features)`` step by step,
    carrying a state ``h`` of ``units`` numbers per sample::

        h_{-1} = 0
        h_t = cell(x_t, h_{t-1})                      t = 0, ..., T-1, each h_t: (m, units)
        y = h_{T-1}: (m, units)      or, return_sequences=True: y[:, t] = h_t, (m, T, units)

    Every cell starts from two affine maps with ``k`` gate blocks of ``units`` columns
    (k = 1 SimpleRNN, 3 GRU, 4 LSTM)::

        a_t = x_t @ W + b        W = kernel (features, k*units); all T steps in ONE matmul
        r_t = h_{t-1} @ U        U = recurrent_kernel (units, k*units); one matmul per step

    and the cell (the subclass) turns ``a_t`` and ``r_t`` into ``h_t``.

    **Backpropagation through time.** ``h_t`` reaches J along two paths: through ``y``
    (when it is an output) and through ``h_{t+1}``. Walking back from ``t = T-1``::

        dh_t = dJ/dy_t + dh_t^(from step t+1)       (m, units); dJ/dy_t = 0 if h_t is no output
        cell backward: dh_t -> da_t = dJ/da_t, dr_t = dJ/dr_t   (m, k*units)
                       and any part of dJ/dh_{t-1} that bypasses U (GRU's z * dh_t)
        dh_{t-1}^(from step t) = dr_t @ U.T + that part

    The sums over time then run as one matmul each, over the m*T rows of all steps::

        dJ/dW = sum_t x_t.T @ da_t          (features, k*units)
        dJ/dU = sum_t h_{t-1}.T @ dr_t      (units, k*units)   (h_{-1} = 0 adds nothing)
        dJ/db = sum_t sum_rows da_t         (k*units,)
        dJ/dx_t = da_t @ W.T                (m, features) for every t

    (``da_t`` and ``dr_t`` are one array where the cell adds ``a_t + r_t`` before any
    nonlinearity, as SimpleRNN and LSTM do.)

    **Layout.** Inputs and outputs are batch-first, ``(m, T, ...)``; inside, every kept
    array is time-major, ``(T, m, ...)``, so that step ``t``'s rows ``[t]`` are one
    contiguous block (a batch-first slice ``[:, t]`` is strided, and NumPy copies it
    through a buffer in every elementwise call). The states are kept with one step in
    front, ``H[t + 1] = h_t`` and ``H[0] = h_{-1} = 0``, so ``H[:T]`` is every ``h_{t-1}``.

    A subclass sets ``gates`` and writes ``_keep`` (its per-call arrays), ``_step`` and
    ``_step_backward``; the base does the rest.
    """

    gates = 1  # k: the number of blocks of `units` columns in the kernels and the bias

    def __init__(
        self,
        units: int,
        activation: str | Activation | None = "tanh",
        *,
        return_sequences: bool = False,
        kernel_initializer: str | Callable = "glorot_uniform",
        recurrent_initializer: str | Callable = "orthogonal",
        bias_initializer: str | Callable = "zeros",
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        go_backwards: bool = False,
        return_state: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        # Keras's flags: accepted at their defaults (Keras code often spells them out), others refused saying
        # what to do instead; unroll is a speed hint in Keras with the same results, so any value is fine.
        keras_default_only(owner, "dropout", dropout, 0.0, "put a Dropout layer before it")
        keras_default_only(owner, "recurrent_dropout", recurrent_dropout, 0.0, "there is no dropout inside the cell")
        keras_default_only(owner, "go_backwards", go_backwards, False, "wrap the layer in Bidirectional")
        keras_default_only(owner, "return_state", return_state, False, "a Sequential passes one array between layers")
        keras_default_only(owner, "stateful", stateful, False, "each batch starts from a zero state")
        check_bool(unroll, "unroll", owner)
        self.units = check_positive_int(units, "units", owner)
        self.activation = elementwise(activation, "activation", owner)
        self.return_sequences = check_bool(return_sequences, "return_sequences", owner)
        for value in (kernel_initializer, recurrent_initializer, bias_initializer):
            initializers.get(value)  # an unknown name is refused now
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self._kept: dict[str, Any] | None = None  # what forward keeps for backward (this step's arrays)

    # ------------------------------------------------------------------ shapes
    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) != 2:
            raise ValueError(
                f"{self!r} expects sequences: inputs (m, timesteps, features), i.e. an input shape "
                f"(timesteps, features). Received: input shape {tuple(input_shape)}"
            )
        if self.built and "kernel" in self.params and input_shape[-1] != self.params["kernel"].shape[0]:
            raise ValueError(
                f"{self!r} was built for {self.params['kernel'].shape[0]} features per step. "
                f"Received: input shape {tuple(input_shape)}"
            )
        return (input_shape[0], self.units) if self.return_sequences else (self.units,)

    def build(self, input_shape: tuple[int, ...] | None) -> None:
        if input_shape is None:
            raise ValueError(f"{self!r}: the input shape is unknown; build((timesteps, features))")
        self.compute_output_shape(input_shape)
        k = self.gates * self.units
        self.add_param("kernel", (input_shape[-1], k), self.kernel_initializer)
        self.add_param("recurrent_kernel", (self.units, k), self.recurrent_initializer)
        self.add_param("bias", self.bias_shape(), self.bias_initial())
        for activation in self.activations():
            activation.build((self.units,), dtype=self.dtype)

    def bias_shape(self) -> tuple[int, ...]:
        return (self.gates * self.units,)

    def bias_initial(self) -> str | Callable:
        return self.bias_initializer

    def activations(self) -> list[Activation]:
        return [self.activation]

    # ---------------------------------------------------------------- the maths
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if x.ndim != 3:
            self.compute_output_shape(x.shape[1:])  # raises: the message names the layer and the shape
        m, T, features = x.shape
        k, u = self.gates * self.units, self.units
        X = self.buffer("x", (T, m, features))
        np.copyto(X, x.transpose(1, 0, 2))  # time-major: the rows of step t are one contiguous block
        A = np.matmul(X.reshape(T * m, features), self.params["kernel"], out=self.buffer("a", (T * m, k)))
        A = A.reshape(T, m, k)
        A += self.input_bias()
        H = self.buffer("h", (T + 1, m, u))  # H[t + 1] = h_t, H[0] = h_{-1} = 0
        H[0] = 0
        # Locals, not attributes, through the loop: predict may run in several threads at once.
        kept = {"X": X, "a": A, "h": H, **self._keep(m, T)}
        for t in range(T):
            self._step(t, A[t], H[t], H[t + 1], kept)
        self._kept = kept
        y = self.buffer("y", (m, T, u) if self.return_sequences else (m, u))
        np.copyto(y, H[1:].transpose(1, 0, 2) if self.return_sequences else H[T])  # back to batch-first
        return y

    def backward_params(self, grad_out: np.ndarray) -> None:
        self._through_time(grad_out)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        dA = self._through_time(grad_out)
        T, m, k = dA.shape
        W = self.params["kernel"]
        dX = np.matmul(dA.reshape(T * m, k), W.T, out=self.buffer("grad_x", (T * m, W.shape[0])))
        dx = self.buffer("grad_in", (m, T, W.shape[0]))
        np.copyto(dx, dX.reshape(T, m, W.shape[0]).transpose(1, 0, 2))  # back to batch-first
        return dx

    def _through_time(self, grad_out: np.ndarray) -> np.ndarray:
        """BPTT (class docstring): sets every parameter gradient, returns ``dA`` (T, m, k*units), time-major."""
        kept = self._kept
        X, H = kept["X"], kept["h"]
        T, m, u = H.shape[0] - 1, H.shape[1], H.shape[2]
        k = self.gates * u
        U_T = self.params["recurrent_kernel"].T
        dA = self.buffer("grad_a", (T, m, k))
        dR = self._recurrent_grad(dA)
        dh, dh_before = self.buffer("grad_h", (m, u)), self.buffer("grad_h_before", (m, u))
        np.copyto(dh, grad_out[:, -1] if self.return_sequences else grad_out)
        kept = {**kept, **self._keep_backward(m)}
        for t in range(T - 1, -1, -1):
            bypass = self._step_backward(t, dh, H[t], dA[t], dR[t], kept)
            if t == 0:
                break  # h_{-1} is a constant: no gradient for it
            np.matmul(dR[t], U_T, out=dh_before)
            if bypass is not None:
                dh_before += bypass
            if self.return_sequences:
                dh_before += grad_out[:, t - 1]
            dh, dh_before = dh_before, dh
        np.matmul(X.reshape(T * m, -1).T, dA.reshape(T * m, k), out=self.grads["kernel"])
        # H[:T] holds h_{t-1} for every t (h_{-1} = 0): the rows that match dR's, in one product
        np.matmul(H[:T].reshape(T * m, u).T, dR.reshape(T * m, k), out=self.grads["recurrent_kernel"])
        self._bias_grad(dA.reshape(T * m, k), dR.reshape(T * m, k), self.buffer("ones", (T * m,), fill=1))
        return dA

    # ------------------------------------------------------- what a cell writes
    def input_bias(self) -> np.ndarray:
        """The bias added to ``x_t @ W`` (all of it, except for GRU)."""
        return self.params["bias"]

    def _bias_grad(self, dA: np.ndarray, dR: np.ndarray, ones: np.ndarray) -> None:
        np.matmul(ones, dA, out=self.grads["bias"])  # a sum over the m*T rows, as a matrix-vector product

    def _recurrent_grad(self, dA: np.ndarray) -> np.ndarray:
        """The array for ``dr_t``: ``dA`` itself where the cell adds ``a_t + r_t`` first."""
        return dA

    def _keep(self, m: int, T: int) -> dict[str, np.ndarray]:
        """The cell's own per-call arrays (gate values, cell states), kept for backward."""
        return {"r": self.buffer("r", (m, self.gates * self.units))}

    def _keep_backward(self, m: int) -> dict[str, np.ndarray]:
        """The cell's work arrays for one backward (a gradient carried in time starts at 0)."""
        return {}

    def _step(self, t: int, a: np.ndarray, h_prev: np.ndarray, h: np.ndarray, kept: dict) -> None:
        """Write ``h_t`` into ``h`` from ``a`` (= a_t, may be overwritten with pre-activations) and ``h_prev``."""
        raise NotImplementedError

    def _step_backward(
        self, t: int, dh: np.ndarray, h_prev: np.ndarray, da: np.ndarray, dr: np.ndarray, kept: dict
    ) -> np.ndarray | None:
        """Write ``da_t`` and ``dr_t`` from ``dh_t``; return the part of ``dh_{t-1}`` bypassing U, or None."""
        raise NotImplementedError

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        config = {
            "units": self.units,
            "activation": activation_name(self.activation),
            "return_sequences": self.return_sequences,
        }
        for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
            value = getattr(self, key)
            config[key] = value if isinstance(value, str) else getattr(value, "__name__", repr(value))
        return config

    def __repr__(self) -> str:
        """``GRU(6, return_sequences=True)``: the units, then the arguments that differ from the defaults."""
        defaults = {}  # the constructors' defaults, a subclass's over its bases'
        for cls in reversed(type(self).__mro__):
            if "__init__" in cls.__dict__:
                defaults.update((k, p.default) for k, p in inspect.signature(cls.__init__).parameters.items())
        config = self.get_config()
        args = [str(config.pop("units"))] + [f"{k}={v!r}" for k, v in config.items() if v != defaults.get(k)]
        return f"{type(self).__name__}({', '.join(args)})"


class GatedRecurrent(Recurrent):
    """`GRU` and `LSTM`: gates squashed by ``recurrent_activation`` besides the ``activation``.

    Arguments after ``recurrent_activation`` are keywords only: Keras's next positional
    argument is ``use_bias``, which tinyframe does not take, so it is never mistaken for another.
    """

    def __init__(
        self,
        units: int,
        activation: str | Activation | None = "tanh",
        recurrent_activation: str | Activation | None = "sigmoid",
        **kwargs: Any,
    ) -> None:
        super().__init__(units, activation, **kwargs)  # the keywords of `Recurrent`
        self.recurrent_activation = elementwise(recurrent_activation, "recurrent_activation", type(self).__name__)

    def activations(self) -> list[Activation]:
        return [self.activation, self.recurrent_activation]

    def build(self, input_shape: tuple[int, ...] | None) -> None:
        super().build(input_shape)
        self._gate_pass = Gates(self.gate_activations(), self.units)

    def gate_activations(self) -> list[Activation]:
        """The activation of each block the cell squashes in one pass (`Gates`), in the kernels' order."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        return {
            "units": config.pop("units"),
            "activation": config.pop("activation"),
            "recurrent_activation": activation_name(self.recurrent_activation),
            **config,
        }


def elementwise(identifier: Any, name: str, owner: str) -> Activation:
    """The `Activation` for ``identifier`` (None and "linear": `Identity`), refusing row-wise ones.

    A cell applies it to gate blocks at once, so it must act on each number alone.
    """
    activation = activations.get(identifier) or Identity()
    if isinstance(activation, Softmax):
        raise ValueError(f"{owner}: {name} must act elementwise (Softmax mixes a row). Received: {name}={identifier!r}")
    return activation


def activation_name(activation: Activation) -> str | dict:
    """How `get_config` writes an activation: Keras's name (``"linear"`` for `Identity`) or a spec."""
    return "linear" if type(activation) is Identity else activations.serialize(activation)


def check_bool(value: Any, name: str, owner: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False. Received: {name}={value!r}")
    return bool(value)
