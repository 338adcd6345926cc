"""Recurrent: the loop over time that SimpleRNN, GRU and LSTM share, and backpropagation through time."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import activations, initializers
from .._checks import check_positive_int, keras_default_only
from ..activations import Activation, Identity, Softmax
from . import masks
from ._gates import Gates
from .base import Layer
from .shapes import fixed_axis


class Recurrent(Layer):
    """The shared part of `SimpleRNN`, `GRU` and `LSTM`: one loop over time, forward and backward.

    A recurrent layer reads a sequence ``x`` of shape ``(m, T, features)`` step by step,
    carrying a state ``h`` of ``units`` numbers per sample::

        h_{-1} = 0
        h_t = cell(x_t, h_{t-1})                      t = 0, ..., T-1, each h_t: (m, units)
        y = h_{T-1}: (m, units)      or, return_sequences=True: y[:, t] = h_t, (m, T, units)

    Every cell starts from two affine maps with ``k`` gate blocks of ``units`` columns
    (k = 1 SimpleRNN, 3 GRU, 4 LSTM)::

        a_t = x_t @ W + b        W = kernel (features, k*units); all T steps in one (stacked) matmul call
        r_t = h_{t-1} @ U        U = recurrent_kernel (units, k*units); one matmul per step

    and the cell (the subclass) turns ``a_t`` and ``r_t`` into ``h_t``.

    **Backpropagation through time.** ``h_t`` reaches J along two paths: through ``y``
    (when it is an output) and through ``h_{t+1}``. Walking back from ``t = T-1``::

        dh_t = dJ/dy_t + dh_t^(from step t+1)       (m, units); dJ/dy_t = 0 if h_t is no output
        cell backward: dh_t -> da_t = dJ/da_t, dr_t = dJ/dr_t   (m, k*units)
                       and any part of dJ/dh_{t-1} that bypasses U (GRU's z * dh_t)
        dh_{t-1}^(from step t) = dr_t @ U.T + that part

    The sums over time run as one (stacked) matmul call each, over all steps::

        dJ/dW = sum_t x_t.T @ da_t          (features, k*units)
        dJ/dU = sum_t h_{t-1}.T @ dr_t      (units, k*units)   (h_{-1} = 0 adds nothing)
        dJ/db = sum_t sum_rows da_t         (k*units,)
        dJ/dx_t = da_t @ W.T                (m, features) for every t

    (``da_t`` and ``dr_t`` are one array where the cell adds ``a_t + r_t`` before any
    nonlinearity, as SimpleRNN and LSTM do.)

    **Layout.** Inputs and outputs are batch-first, ``(m, T, ...)``. Inside, every kept
    array is time-major and transposed, ``(T, columns, m)``: step ``t`` works on
    ``a_t.T = W.T @ x_t.T`` (k*units, m), ``h_t.T`` (units, m), and so on, where each gate
    block (rows ``[j*units, (j+1)*units)``) and each state is one contiguous array. (A
    batch-first slice ``[:, t]``, or a gate's columns of ``(m, k*units)``, is strided, and
    every NumPy call on it pays for a strided iteration: twice to four times the time of the
    same call on contiguous memory, at these sizes.) The states are kept with one step in
    front, ``H[t + 1] = h_t.T`` and ``H[0] = h_{-1} = 0``, so ``H[:T]`` is every ``h_{t-1}.T``.
    A cell may keep its gate blocks in another order than the kernels' (`gate_order`: LSTM
    puts its three sigmoid gates side by side); the kernels, the bias and their gradients
    stay in Keras's order.

    **Masks.** Given a mask (padding marked by ``Embedding(mask_zero=True)`` or `Masking`,
    Keras's rule), a masked step changes no state: ``h_t = h_{t-1}`` (and an LSTM's
    ``c_t = c_{t-1}``) for the samples it masks, so the output there repeats the last one; in
    the backward pass those samples' gradients pass through the step unchanged and the step's
    own (``da_t``, ``dr_t``) are 0. What sits under the mask changes no output and no gradient.

    A subclass sets ``gates`` and writes ``_keep`` (its per-call arrays), ``_step`` and
    ``_step_backward`` (and ``_carried`` for a state besides ``h``); the base does the rest.
    """

    supports_masking = True

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

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
        fixed_axis(input_shape[-1], self, "the last axis (the features of a step)", input_shape)
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
    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask if self.return_sequences else None  # the last state has no steps left to mask

    def forward(self, x: np.ndarray, training: bool = False, mask: np.ndarray | None = None) -> np.ndarray:
        if x.ndim != 3:
            self.compute_output_shape(x.shape[1:])  # raises: the message names the layer and the shape
        keep = None if mask is None else masks.check(mask, x, self)  # (m, T): the data steps
        m, T, features = x.shape
        u = self.units
        W, U = self._in_row_order()
        X = self.buffer("x", (T, features, m))
        np.copyto(X, x.transpose(1, 2, 0))  # x_t.T for every t
        A = np.matmul(W.T, X, out=self.buffer("a", (T, W.shape[1], m)))  # a_t.T = W.T x_t.T for all t, one call
        A += self.input_bias()[:, None]
        H = self.buffer("h", (T + 1, u, m))  # H[t + 1] = h_t.T, H[0] = h_{-1} = 0
        H[0] = 0
        # Locals, not attributes, through the loop: predict may run in several threads at once.
        kept = {"X": X, "a": A, "h": H, "W": W, "U": U, **self._keep(m, T), "keep": keep}
        for t in range(T):
            self._step(t, A[t], H[t], H[t + 1], kept)
            if keep is not None and not keep[:, t].all():  # masked samples keep their state
                for S in (H, *self._carried(kept)):
                    np.copyto(S[t + 1], S[t], where=~keep[:, t])
        self._kept = kept
        y = self.buffer("y", (m, T, u) if self.return_sequences else (m, u))
        np.copyto(y, H[1:].transpose(2, 0, 1) if self.return_sequences else H[T].T)  # back to batch-first
        return y

    def backward_params(self, grad_out: np.ndarray) -> None:
        self._through_time(grad_out)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        dA = self._through_time(grad_out)
        W = self._kept["W"]
        dX = np.matmul(W, dA, out=self.buffer("grad_x", (dA.shape[0], W.shape[0], dA.shape[2])))  # dx_t.T = W da_t.T
        dx = self.buffer("grad_in", (dA.shape[2], dA.shape[0], W.shape[0]))
        np.copyto(dx, dX.transpose(2, 0, 1))  # back to batch-first
        return dx

    def _through_time(self, grad_out: np.ndarray) -> np.ndarray:
        """BPTT (class docstring): sets every parameter gradient, returns ``dA`` (T, k*units, m) (see Layout)."""
        kept = self._kept
        X, H, U = kept["X"], kept["h"], kept["U"]
        T, u, m = H.shape[0] - 1, H.shape[1], H.shape[2]
        dA = self.buffer("grad_a", (T, self.gates * u, m))
        dR = self._recurrent_grad(dA)
        dh, dh_before = self.buffer("grad_h", (u, m)), self.buffer("grad_h_before", (u, m))
        np.copyto(dh, (grad_out[:, -1] if self.return_sequences else grad_out).T)
        kept = {**kept, **self._keep_backward(m)}
        keep = kept["keep"]
        for t in range(T - 1, -1, -1):
            held = None if keep is None or keep[:, t].all() else ~keep[:, t]
            if held is not None:  # masked samples: their gradients skip the step, which gets none of them
                passed = [g[:, held] for g in (dh, *self._carried_grads(kept))]  # boolean indexing copies
                for g in (dh, *self._carried_grads(kept)):
                    g[:, held] = 0
            bypass = self._step_backward(t, dh, H[t], dA[t], dR[t], kept)
            if t == 0:
                break  # h_{-1} is a constant: no gradient for it
            np.matmul(U, dR[t], out=dh_before)  # dh_{t-1}.T = U dr_t.T
            if bypass is not None:
                dh_before += bypass
            if held is not None:
                for g, value in zip((dh_before, *self._carried_grads(kept)), passed):
                    g[:, held] = value
            if self.return_sequences:
                dh_before += grad_out[:, t - 1].T
            dh, dh_before = dh_before, dh
        self._set_grad(self.grads["kernel"], self._sum_over_time(dA, X, "grad_kernel_steps").T)
        # H[:T] holds h_{t-1}.T for every t (h_{-1} = 0): the steps that match dR's
        self._set_grad(self.grads["recurrent_kernel"], self._sum_over_time(dR, H[:T], "grad_recurrent_steps").T)
        self._bias_grad(dA, dR)
        return dA

    def _sum_over_time(self, dA: np.ndarray, B: np.ndarray, name: str) -> np.ndarray:
        """``sum_t dA[t] @ B[t].T``: the products of all steps in one call, then their sum."""
        steps = np.matmul(dA, B.transpose(0, 2, 1), out=self.buffer(name, (dA.shape[0], dA.shape[1], B.shape[1])))
        return steps.sum(axis=0)

    def _row_sums(self, dA: np.ndarray) -> np.ndarray:
        """``sum_t sum_samples dA[t]``: (k*units,), a stacked matrix-vector product with ones, then a sum."""
        ones = self.buffer("ones", (dA.shape[2],), fill=1)
        return np.matmul(dA, ones, out=self.buffer("row_sums", dA.shape[:2])).sum(axis=0)

    # ------------------------------------------------------- what a cell writes
    gate_order: tuple[int, ...] | None = None  # the kernels' blocks in the cell's row order; None: as they are

    def _columns(self) -> np.ndarray:
        """The kernels' columns in the cell's row order (`gate_order`)."""
        u = self.units
        return np.concatenate([np.arange(j * u, (j + 1) * u) for j in self.gate_order])

    def _in_row_order(self) -> tuple[np.ndarray, np.ndarray]:
        """``W`` and ``U`` with their column blocks in ``gate_order`` (the parameters themselves if unchanged)."""
        W, U = self.params["kernel"], self.params["recurrent_kernel"]
        if self.gate_order is None:
            return W, U
        columns = self._columns()
        return (
            np.take(W, columns, axis=1, out=self.buffer("kernel_rows", W.shape)),
            np.take(U, columns, axis=1, out=self.buffer("recurrent_rows", U.shape)),
        )

    def _set_grad(self, grad: np.ndarray, value: np.ndarray) -> None:
        """``grad[...] = value``, ``value``'s last axis in the cell's row order put back into the kernels' order."""
        if self.gate_order is None:
            np.copyto(grad, value)
        else:
            grad[..., self._columns()] = value

    def input_bias(self) -> np.ndarray:
        """The bias added to ``x_t @ W`` (all of it, except for GRU), in the cell's row order."""
        b = self.params["bias"]
        return b if self.gate_order is None else b[self._columns()]

    def _bias_grad(self, dA: np.ndarray, dR: np.ndarray) -> None:
        self._set_grad(self.grads["bias"], self._row_sums(dA))

    def _recurrent_grad(self, dA: np.ndarray) -> np.ndarray:
        """The array for ``dr_t``: ``dA`` itself where the cell adds ``a_t + r_t`` first."""
        return dA

    def _keep(self, m: int, T: int) -> dict[str, np.ndarray]:
        """The cell's own per-call arrays (gate values, cell states), kept for backward."""
        return {"r": self.buffer("r", (self.gates * self.units, m))}

    def _keep_backward(self, m: int) -> dict[str, np.ndarray]:
        """The cell's work arrays for one backward (a gradient carried in time starts at 0)."""
        return {}

    def _carried(self, kept: dict) -> tuple[np.ndarray, ...]:
        """The cell's states besides ``h``, ``(T + 1, units, m)`` as ``h``'s (a masked step keeps them)."""
        return ()

    def _carried_grads(self, kept: dict) -> tuple[np.ndarray, ...]:
        """The gradients of those states carried back in time, ``(units, m)``, in `_carried`'s order."""
        return ()

    def _step(self, t: int, a: np.ndarray, h_prev: np.ndarray, h: np.ndarray, kept: dict) -> None:
        """Write ``h_t.T`` into ``h`` from ``a`` (= a_t.T, may become the pre-activations) and ``h_prev`` (see Layout).

        A step reads and writes nothing of other steps but through ``h_prev``/``h`` (and a cell
        state of the same kind), so a per-step mask can keep ``h = h_prev`` for padded samples.
        """
        raise NotImplementedError

    def _step_backward(
        self, t: int, dh: np.ndarray, h_prev: np.ndarray, da: np.ndarray, dr: np.ndarray, kept: dict
    ) -> np.ndarray | None:
        """Write ``da_t.T`` and ``dr_t.T`` from ``dh_t.T``; return the part of ``dh_{t-1}.T`` bypassing U, or None."""
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
