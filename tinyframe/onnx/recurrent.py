"""Converters of SimpleRNN, GRU and LSTM: the loop over time unrolled into the graph.

Why unrolled rather than ONNX's RNN/GRU/LSTM operators: ONNX Runtime's kernels for
those are float32 only (a float64 GRU or LSTM fails when run: "does not support double
yet"), and they take a short list of activations (no GELU, Swish or SELU, which
tinyframe's cells accept). A model's number of steps ``T`` is fixed when it is built,
so the loop unrolls into ``T`` copies of the cell, each the layer's own formula on
MatMul, Add, Mul and the activations' converters, in both dtypes. The cost is a graph
that grows with ``T`` (about 10 nodes per step for a GRU). As in the layers::

    A = x @ W + b_in                 one MatMul for all steps, (m, T, k*u)
    a_t = Gather(A, t, axis=1)       (m, k*u);  h_{-1} = 0 (and c_{-1} = 0): zeros (m, u)
    SimpleRNN:  h_t = f(a_t + h_{t-1} @ U)
    GRU (reset_after, Keras's gate order z, r, h):
                rec = h_{t-1} @ U + b[1];  z = s(a_z + rec_z);  r = s(a_r + rec_r)
                hh = g(a_h + r * rec_h);   h_t = (h_{t-1} - hh) * z + hh
    LSTM (gates i, f, c, o):
                z = a_t + h_{t-1} @ U;  c_t = s(z_f) * c_{t-1} + s(z_i) * g(z_c);  h_t = s(z_o) * g(c_t)
    output: h_{T-1} (m, u), or with return_sequences every h_t stacked on axis 1, (m, T, u)

`Bidirectional` is two such unrollings, the second on the input reversed in time (a
Slice with step -1), its sequence reversed back, then the layer's merge (Concat on the
last axis, Add, Add then Mul by 0.5, or Mul); the weights are named
``"<wrapper>/forward/kernel"``, ``"<wrapper>/backward/kernel"``, ...
"""

from __future__ import annotations

import numpy as np

from ..layers import GRU, LSTM, Bidirectional, SimpleRNN
from .builder import GraphBuilder, converts


def _blocks(b: GraphBuilder, x: str, k: int, u: int) -> list[str]:
    """``x`` (m, k*u) split into its ``k`` gate blocks of ``u`` columns."""
    if k == 1:
        return [x]
    return b.op("Split", x, b.constant(np.full(k, u, np.int64)), outputs=k, axis=1)


def _simple_rnn_step(b: GraphBuilder, layer, a: str, h: str, U: str, state: dict) -> str:
    return b.activation(layer.activation, b.op("Add", a, b.op("MatMul", h, U)))


def _gru_step(b: GraphBuilder, layer, a: str, h: str, U: str, state: dict) -> str:
    s, g, u = layer.recurrent_activation, layer.activation, layer.units
    rec_z, rec_r, rec_h = _blocks(b, b.op("Add", b.op("MatMul", h, U), state["b1"]), 3, u)
    a_z, a_r, a_h = _blocks(b, a, 3, u)
    z = b.activation(s, b.op("Add", a_z, rec_z))
    r = b.activation(s, b.op("Add", a_r, rec_r))
    hh = b.activation(g, b.op("Add", a_h, b.op("Mul", r, rec_h)))
    return b.op("Add", b.op("Mul", b.op("Sub", h, hh), z), hh)


def _lstm_step(b: GraphBuilder, layer, a: str, h: str, U: str, state: dict) -> str:
    s, g, u = layer.recurrent_activation, layer.activation, layer.units
    z_i, z_f, z_c, z_o = _blocks(b, b.op("Add", a, b.op("MatMul", h, U)), 4, u)
    kept = b.op("Mul", b.activation(s, z_f), state["c"])
    state["c"] = b.op("Add", kept, b.op("Mul", b.activation(s, z_i), b.activation(g, z_c)))
    return b.op("Mul", b.activation(s, z_o), b.activation(g, state["c"]))


_STEPS = {SimpleRNN: _simple_rnn_step, GRU: _gru_step, LSTM: _lstm_step}


@converts(SimpleRNN, GRU, LSTM)
def recurrent(b: GraphBuilder, layer, x: str, owner: str | None = None) -> str:
    T, u = b.input_shape[0], layer.units
    A = b.op("Add", b.op("MatMul", x, b.weight(layer, "kernel", owner=owner)), _input_bias(b, layer, owner))
    U = b.weight(layer, "recurrent_kernel", owner=owner)
    h = b.batch_zeros(x, u)
    state = {"c": h}
    if isinstance(layer, GRU):
        state["b1"] = b.weight(layer, "recurrent_bias", layer.params["bias"][1], owner)
    step, outputs = _STEPS[type(layer)], []
    for t in range(T):
        a = b.op("Gather", A, b.constant(np.array(t, np.int64)), axis=1)
        h = step(b, layer, a, h, U, state)
        outputs.append(h)
    if not layer.return_sequences:
        return h
    axis = b.constant(np.array([1], np.int64))
    return b.op("Concat", *(b.op("Unsqueeze", h_t, axis) for h_t in outputs), axis=1)


def _input_bias(b: GraphBuilder, layer, owner: str | None) -> str:
    """The bias added to ``x @ W``: all of it, except GRU's, whose second row goes with the state.

    GRU's ``(2, 3u)`` bias becomes two initializers, ``gru/input_bias`` and ``gru/recurrent_bias``.
    """
    if isinstance(layer, GRU):
        return b.weight(layer, "input_bias", layer.params["bias"][0], owner)
    return b.weight(layer, "bias", owner=owner)


@converts(Bidirectional)
def bidirectional(b: GraphBuilder, layer, x: str) -> str:
    y_f = recurrent(b, layer.forward_layer, x, f"{layer.name}/forward")
    y_b = recurrent(b, layer.backward_layer, _reversed(b, x), f"{layer.name}/backward")
    if layer.forward_layer.return_sequences:
        y_b = _reversed(b, y_b)
    if layer.merge_mode == "concat":
        return b.op("Concat", y_f, y_b, axis=-1)
    if layer.merge_mode == "sum":
        return b.op("Add", y_f, y_b)
    if layer.merge_mode == "ave":
        return b.op("Mul", b.op("Add", y_f, y_b), b.constant(0.5))
    return b.op("Mul", y_f, y_b)


def _reversed(b: GraphBuilder, x: str) -> str:
    """``x[:, ::-1]``: the time axis (1) read from its last step to its first."""
    T = b.input_shape[0]
    ints = [b.constant(np.array([v], np.int64)) for v in (-1, -T - 1, 1, -1)]  # starts, ends, axes, steps
    return b.op("Slice", x, *ints)
