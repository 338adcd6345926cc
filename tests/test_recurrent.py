"""SimpleRNN, GRU, LSTM: Keras's cells written as plain per-sample loops are the oracle; BPTT is gradient-checked."""

from __future__ import annotations

import doctest
import math
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, initializers, load_model
from tinyframe.layers import GRU, LSTM, Dense, Input, SimpleRNN, gru, lstm, simple_rnn
from tinyframe.losses import CrossEntropy, MeanSquaredError
from tinyframe.optimizers import Adam

from .strategies import (
    arrays,
    batch_sizes,
    record,
    report_worst,  # noqa: F401  (an autouse fixture: prints the worst gradient errors)
    seeds,
    sizes,
)

LAYERS = {"SimpleRNN": SimpleRNN, "GRU": GRU, "LSTM": LSTM}


# ------------------------------------------------------------ the references: one sample, one step at a time
def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def linear(v):
    return v


FUNCTIONS = {"tanh": np.tanh, "sigmoid": sigmoid, "linear": linear}  # Keras's name -> NumPy function


def simple_rnn_cell(x_t, h, W, U, b, f, s):
    return f(x_t @ W + h @ U + b), None


def gru_cell(x_t, h, W, U, b, f, s):
    """Keras 3's GRUCell, reset_after=True: the input bias b[0], the recurrent bias b[1] inside r * (.)."""
    u = U.shape[0]
    Wz, Wr, Wh = W[:, :u], W[:, u : 2 * u], W[:, 2 * u :]
    Uz, Ur, Uh = U[:, :u], U[:, u : 2 * u], U[:, 2 * u :]
    bz, br, bh = b[0, :u], b[0, u : 2 * u], b[0, 2 * u :]
    cz, cr, ch = b[1, :u], b[1, u : 2 * u], b[1, 2 * u :]
    z = s(x_t @ Wz + bz + h @ Uz + cz)
    r = s(x_t @ Wr + br + h @ Ur + cr)
    hh = f(x_t @ Wh + bh + r * (h @ Uh + ch))
    return z * h + (1 - z) * hh, None


def lstm_cell(x_t, h, W, U, b, f, s, c):
    """Keras's LSTMCell: gates i, f, c, o."""
    u = U.shape[0]
    z = x_t @ W + h @ U + b
    i, fg, cc, o = s(z[:u]), s(z[u : 2 * u]), f(z[2 * u : 3 * u]), s(z[3 * u :])
    c = fg * c + i * cc
    return o * f(c), c


def reference(name, x, W, U, b, return_sequences, activation="tanh", recurrent_activation="sigmoid"):
    """The recurrence by definition: for each sample, for each step, the cell on vectors; h_{-1} = c_{-1} = 0."""
    f, s = FUNCTIONS[activation], FUNCTIONS[recurrent_activation]
    m, T, _ = x.shape
    u = U.shape[0]
    out = np.zeros((m, T, u) if return_sequences else (m, u))
    for i in range(m):
        h, c = np.zeros(u), np.zeros(u)
        for t in range(T):
            if name == "LSTM":
                h, c = lstm_cell(x[i, t], h, W, U, b, f, s, c)
            else:
                h, _ = {"SimpleRNN": simple_rnn_cell, "GRU": gru_cell}[name](x[i, t], h, W, U, b, f, s)
            if return_sequences:
                out[i, t] = h
        if not return_sequences:
            out[i] = h
    return out


def make(name, units, return_sequences, activation="tanh", recurrent_activation="sigmoid"):
    kwargs = {"return_sequences": return_sequences, "activation": activation}
    if name != "SimpleRNN":
        kwargs["recurrent_activation"] = recurrent_activation
    return LAYERS[name](units, **kwargs)


def built(name, units, T, features, seed, return_sequences=False, dtype="float64", **kwargs):
    """A built layer whose weights (bias included) are all random, so no term of the cell is left untested."""
    layer = make(name, units, return_sequences, **kwargs).build((T, features), dtype=dtype, rng=seed)
    rng = np.random.default_rng(seed + 1)
    layer.set_weights([rng.normal(0.0, 0.6, w.shape) for w in layer.get_weights()])
    return layer


# A layer: which one, its activations (kinkless, so central differences apply everywhere), its sizes.
cases = st.fixed_dictionaries(
    {
        "name": st.sampled_from(sorted(LAYERS)),
        "activation": st.sampled_from(sorted(FUNCTIONS)),
        "recurrent_activation": st.sampled_from(["sigmoid", "tanh"]),
        "return_sequences": st.booleans(),
        "units": sizes,
        "m": batch_sizes,
        "T": st.integers(1, 6),
        "features": st.integers(1, 4),
        "seed": seeds,
    }
)


def case_layer(case, dtype="float64"):
    return built(
        case["name"],
        case["units"],
        case["T"],
        case["features"],
        case["seed"],
        case["return_sequences"],
        dtype,
        activation=case["activation"],
        recurrent_activation=case["recurrent_activation"],
    )


def assert_matches_reference(layer, name, x, case):
    W, U, b = layer.get_weights()
    expected = reference(
        name, x, W, U, b, layer.return_sequences, case.get("activation", "tanh"), case.get("recurrent_activation")
    )
    got = layer.forward(x)
    assert got.shape == expected.shape
    # a few hundred ulps of the largest value: summation order, compounded over the steps (a linear activation
    # lets values grow to hundreds, where 1e-12 absolute is a few ulps)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * max(1.0, float(np.abs(expected).max())))


# ---------------------------------------------------------------------------- forward = the definition
@given(case=cases, data=st.data())
def test_forward_equals_the_per_sample_loops(case, data):
    layer = case_layer(case)
    x = data.draw(arrays((case["m"], case["T"], case["features"])))
    assert_matches_reference(layer, case["name"], x, case)


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("m, T, features, units", [(1, 1, 1, 1), (1, 7, 2, 3), (4, 1, 3, 2), (2, 5, 1, 6)])
def test_edge_shapes_match_the_loops_and_the_gradients(name, return_sequences, m, T, features, units):
    layer = built(name, units, T, features, seed=m + 10 * T, return_sequences=return_sequences)
    x = np.random.default_rng(T).normal(size=(m, T, features))
    assert_matches_reference(layer, name, x, {"recurrent_activation": "sigmoid"})
    record(f"{name} edge", gradcheck.check_layer(layer, x))


# ------------------------------------------------------------------------------------ gradients (BPTT)
@settings(max_examples=25)
@given(case=cases, data=st.data())
def test_bptt_gradients_of_the_input_and_every_parameter(case, data):
    layer = case_layer(case)
    x = data.draw(arrays((case["m"], case["T"], case["features"]), -2.0, 2.0))
    result = gradcheck.check_layer(layer, x, seed=case["seed"])
    assert set(result.errors) == {"input", "kernel", "recurrent_kernel", "bias"}
    record(case["name"], result)


@settings(max_examples=8)
@given(m=batch_sizes, T=st.integers(1, 5), seed=seeds)
def test_stacked_recurrent_layers_in_a_model_gradcheck(m, T, seed):
    """Sequences feed sequences: dJ/dy arrives at every step of the first two layers."""
    model = Sequential(
        [Input((T, 2)), LSTM(3, return_sequences=True), GRU(2, return_sequences=True), SimpleRNN(2), Dense(2)],
        dtype="float64",
        seed=seed,
    )
    rng = np.random.default_rng(seed)
    model.set_weights([w + rng.normal(0.0, 0.3, w.shape) for w in model.get_weights()])
    model.compile(loss=MeanSquaredError())
    X, y = rng.normal(size=(m, T, 2)), rng.normal(size=(m, 2))
    record("recurrent stack", gradcheck.check_model(model, X, y))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_backward_params_sets_the_same_gradients_as_backward(name):
    layer = built(name, 3, 4, 2, seed=5, return_sequences=True)
    x, g = np.random.default_rng(0).normal(size=(2, 4, 2)), np.random.default_rng(1).normal(size=(2, 4, 3))
    layer.forward(x)
    layer.backward(g)
    full = {k: v.copy() for k, v in layer.grads.items()}
    layer.forward(x)
    layer.backward_params(g)
    assert all(np.array_equal(full[k], layer.grads[k]) for k in full)


# --------------------------------------------------------------------------------------- float32
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_float32_runs_in_float32_and_agrees_with_float64(name):
    T, features, units = 12, 3, 5
    l64 = built(name, units, T, features, seed=3, return_sequences=True)
    l32 = make(name, units, True).build((T, features), dtype="float32", rng=0)
    l32.set_weights(l64.get_weights())
    x = np.random.default_rng(0).normal(size=(4, T, features))
    y32, y64 = l32.forward(x.astype(np.float32)), l64.forward(x)
    g = np.random.default_rng(1).normal(size=y64.shape)
    dx32, dx64 = l32.backward(g.astype(np.float32)), l64.backward(g)
    assert y32.dtype == dx32.dtype == np.float32 and all(v.dtype == np.float32 for v in l32.grads.values())
    # Rounding of float32 grows with the length of each dot product and with the steps it passes through.
    tol = 16 * (features + units) * T * np.finfo(np.float32).eps
    np.testing.assert_allclose(y32, y64, rtol=0, atol=tol)
    np.testing.assert_allclose(dx32, dx64, rtol=0, atol=tol * np.abs(dx64).max())
    for k in l64.grads:
        np.testing.assert_allclose(l32.grads[k], l64.grads[k], rtol=0, atol=tol * np.abs(l64.grads[k]).max())


# ----------------------------------------------------------------------------- Keras's weights and defaults
def test_weights_have_keras_names_shapes_and_initial_values():
    features, u = 5, 4
    for name, k in (("SimpleRNN", 1), ("GRU", 3), ("LSTM", 4)):
        layer = LAYERS[name](u).build((7, features), dtype="float64", rng=0)
        assert list(layer.params) == ["kernel", "recurrent_kernel", "bias"]
        W, U, b = layer.params.values()
        assert W.shape == (features, k * u) and U.shape == (u, k * u)
        assert np.abs(W).max() <= math.sqrt(6 / (features + k * u))  # glorot_uniform
        np.testing.assert_allclose(U @ U.T, np.eye(u), atol=1e-12)  # orthogonal: a wide matrix has orthonormal rows
        expected_bias = {
            "SimpleRNN": np.zeros(u),
            "GRU": np.zeros((2, 3 * u)),  # Keras 3's reset_after: one row for the input, one for the state
            "LSTM": np.r_[np.zeros(u), np.ones(u), np.zeros(2 * u)],  # unit_forget_bias
        }[name]
        assert np.array_equal(b, expected_bias)
    assert np.array_equal(LSTM(2, unit_forget_bias=False).build((3, 1), rng=0).params["bias"], np.zeros(8))


def test_parameter_counts_are_keras_counts_and_summary_shows_the_shapes():
    model = Sequential(
        [Input((40, 1)), GRU(6, return_sequences=True), LSTM(32, return_sequences=True), SimpleRNN(4), Dense(10)]
    )
    # Keras: GRU(reset_after) 3u(f + u) + 2 * 3u; LSTM 4u(f + u + 1); SimpleRNN u(f + u + 1)
    assert [layer.count_params() for layer in model.layers] == [
        3 * 6 * (1 + 6) + 2 * 3 * 6,
        4 * 32 * (6 + 32 + 1),
        4 * (32 + 4 + 1),
        4 * 10 + 10,
    ]
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for row in ("gru (GRU)", "(None, 40, 6)", "162"), ("lstm (LSTM)", "(None, 40, 32)", "4,992"), ("(None, 4)", "148"):
        assert any(all(cell in line for cell in row) for line in lines[0].splitlines()), (row, text)


def test_get_config_round_trips_and_repr_shows_what_differs():
    layer = LSTM(7, recurrent_activation="tanh", return_sequences=True, unit_forget_bias=False)
    config = layer.get_config()
    assert config == {
        "units": 7,
        "activation": "tanh",
        "recurrent_activation": "tanh",
        "return_sequences": True,
        "kernel_initializer": "glorot_uniform",
        "recurrent_initializer": "orthogonal",
        "bias_initializer": "zeros",
        "unit_forget_bias": False,
    }
    assert LSTM.from_config(config).get_config() == config
    assert repr(layer) == "LSTM(7, recurrent_activation='tanh', return_sequences=True, unit_forget_bias=False)"
    assert repr(GRU(6)) == "GRU(6)" and repr(SimpleRNN(3, activation=None)) == "SimpleRNN(3, activation='linear')"


@pytest.mark.parametrize("module", [simple_rnn, gru, lstm, initializers])
def test_docstring_examples_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_bad_arguments_are_refused_naming_the_layer(name):
    cls = LAYERS[name]
    with pytest.raises(ValueError, match=f"{name}: units must be an integer >= 1. Received: units=0"):
        cls(0)
    with pytest.raises(TypeError, match=f"{name}: units must be an integer. Received: units=2.5"):
        cls(2.5)
    with pytest.raises(TypeError, match=f"{name}: return_sequences must be True or False. Received: .*'yes'"):
        cls(2, return_sequences="yes")
    with pytest.raises(ValueError, match=f"{name}: activation must act elementwise.*Received: activation='softmax'"):
        cls(2, activation="softmax")
    with pytest.raises(ValueError, match="Unknown activation.*Received: 'tanhh'"):
        cls(2, activation="tanhh")
    with pytest.raises(ValueError, match="Unknown initializer.*Received: 'orthogonall'"):
        cls(2, recurrent_initializer="orthogonall")
    with pytest.raises(TypeError, match="positional"):
        cls(2, "tanh", "sigmoid", True)  # Keras's next positional argument is use_bias: never taken for another
    with pytest.raises(ValueError, match=rf"{name}\(2\) expects sequences.*Received: input shape \(4,\)"):
        cls(2).compute_output_shape((4,))
    with pytest.raises(ValueError, match=rf"{name}\(2\) was built for 3 features.*Received: input shape \(5, 4\)"):
        cls(2).build((5, 3), rng=0).compute_output_shape((5, 4))
    with pytest.raises(ValueError, match=rf"{name}\(2\): the input shape is unknown"):
        cls(2).build()
    with pytest.raises(ValueError, match=rf"{name}\(2\) expects sequences.*Received: input shape \(3,\)"):
        cls(2).build((5, 3), rng=0).forward(np.ones((4, 3)))


def test_gated_arguments_are_refused():
    with pytest.raises(ValueError, match="GRU: recurrent_activation must act elementwise"):
        GRU(2, recurrent_activation="softmax")
    with pytest.raises(ValueError, match="GRU: only reset_after=True .* Received: reset_after=False"):
        GRU(2, reset_after=False)
    with pytest.raises(TypeError, match="LSTM: unit_forget_bias must be True or False. Received: .*1"):
        LSTM(2, unit_forget_bias=1)


def test_a_model_refuses_rows_for_a_recurrent_layer():
    with pytest.raises(ValueError, match=r"layer 1 \(gru\).*expects sequences.*Received: input shape \(4,\)"):
        Sequential([Input((5,)), Dense(4), GRU(3)])


# ------------------------------------------------------------------------------------------- in a model
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_fit_lowers_the_loss_on_a_sequence_task(name):
    """Is the sum over time of the first feature positive? Needs memory across all 10 steps."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(128, 10, 2))
    y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    model = Sequential([LAYERS[name](8), Dense(2)], seed=1)
    model.compile(loss=CrossEntropy(from_logits=True), optimizer=Adam(0.02), metrics=["accuracy"])
    history = model.fit(X, y, epochs=15, batch_size=32, verbose=0).history
    assert history["loss"][-1] < 0.3 * history["loss"][0]  # about 0.7 -> 0.02-0.07 over seeds 1-3
    assert history["accuracy"][-1] > 0.9  # chance is about 0.5


def test_save_and_load_predict_identically(tmp_path):
    X = np.random.default_rng(0).normal(size=(6, 9, 3))
    model = Sequential(
        [LSTM(4, return_sequences=True), GRU(3, return_sequences=True), SimpleRNN(2, activation="sigmoid"), Dense(1)],
        dtype="float32",
        seed=2,
    )
    model.compile(loss=MeanSquaredError())
    model.fit(X, np.ones((6, 1)), epochs=2, verbose=0)
    model.save(tmp_path / "rnn.npz")
    loaded = load_model(tmp_path / "rnn.npz")
    assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in model.layers]
    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_predict_from_threads_gives_the_single_threaded_answer():
    rng = np.random.default_rng(0)
    model = Sequential([Input((30, 2)), GRU(5, return_sequences=True), LSTM(4)], dtype="float64", seed=0)
    inputs = [rng.normal(size=(int(rng.integers(1, 40)), 30, 2)) for _ in range(8)]
    expected = [model.predict(x) for x in inputs]
    got = [None] * len(inputs)

    def run(i):
        for _ in range(5):
            got[i] = model.predict(inputs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))


# ---------------------------------------------------------------------------------- the orthogonal initializer
@given(rows=st.integers(1, 7), cols=st.integers(1, 7), seed=seeds)
def test_orthogonal_is_q_of_a_normal_matrix_with_the_sign_rule(rows, cols, seed):
    q = initializers.orthogonal((rows, cols), np.random.default_rng(seed), "float64")
    assert q.shape == (rows, cols)
    small = min(rows, cols)
    gram = q.T @ q if rows >= cols else q @ q.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)
    # The same draws, A (tall), satisfy A = Q R with R upper triangular and a positive diagonal (Keras's sign rule).
    A = np.random.default_rng(seed).standard_normal((max(rows, cols), small))
    Q = q if rows >= cols else q.T
    R = Q.T @ A
    np.testing.assert_allclose(np.tril(R, -1), 0, atol=1e-12)
    assert np.all(np.diag(R) > 0)
    assert np.array_equal(initializers.orthogonal((rows, cols), np.random.default_rng(seed), "float32"), q.astype("f4"))


def test_orthogonal_reads_higher_ranks_as_a_matrix_and_refuses_vectors():
    q = initializers.get("orthogonal")((2, 3, 4), np.random.default_rng(0), "float64", gain=2.0)
    np.testing.assert_allclose(q.reshape(6, 4).T @ q.reshape(6, 4), 4.0 * np.eye(4), atol=1e-12)
    with pytest.raises(ValueError, match=r"orthogonal: the shape must have at least 2 axes. Received: shape=\(5,\)"):
        initializers.orthogonal((5,), np.random.default_rng(0), "float64")


# ---------------------------------------------------------------------------------- PyTorch, when installed
def torch_weights(name, W, U, b):
    """Keras's layout -> torch's (weight_ih, weight_hh, bias_ih, bias_hh): rows per gate, GRU's gates r, z, n."""
    if name == "LSTM":  # the same gate order i, f, g, o
        return W.T, U.T, b, np.zeros_like(b)
    u = U.shape[0]

    def order(a):  # Keras z, r, h -> torch r, z, n on the last axis
        return np.concatenate([a[..., u : 2 * u], a[..., :u], a[..., 2 * u :]], axis=-1)

    return order(W).T, order(U).T, order(b[0]), order(b[1])


@pytest.mark.parametrize("name", ["GRU", "LSTM"])
def test_outputs_equal_torch_after_mapping_the_weights(name):
    torch = pytest.importorskip("torch")
    T, features, units = 6, 3, 4
    layer = built(name, units, T, features, seed=7, return_sequences=True)
    x = np.random.default_rng(0).normal(size=(5, T, features))
    net = getattr(torch.nn, name)(features, units, batch_first=True).double()
    params = (net.weight_ih_l0, net.weight_hh_l0, net.bias_ih_l0, net.bias_hh_l0)
    with torch.no_grad():
        for param, value in zip(params, torch_weights(name, *layer.get_weights())):
            param.copy_(torch.from_numpy(np.ascontiguousarray(value)))
        expected = net(torch.from_numpy(x))[0].numpy()
    np.testing.assert_allclose(layer.forward(x), expected, rtol=0, atol=1e-12)


def test_keras_flags_at_their_defaults_are_accepted_and_others_refused_saying_what_to_do():
    """Keras code often spells out ``LSTM(64, dropout=0.0, return_state=False)``; a non-default is refused clearly."""
    from tinyframe.layers import GRU, LSTM, Embedding, SimpleRNN

    for cls in (SimpleRNN, GRU, LSTM):
        layer = cls(4, dropout=0.0, recurrent_dropout=0.0, go_backwards=False, return_state=False, stateful=False)
        assert layer.units == 4
        assert cls(4, unroll=True).units == 4  # a speed hint in Keras, same results: nothing to do here
    cases = [
        (dict(dropout=0.2), r"LSTM: dropout=0.2 is not implemented \(only 0.0\); put a Dropout layer before it"),
        (dict(recurrent_dropout=0.1), r"LSTM: recurrent_dropout=0.1 is not implemented \(only 0.0\)"),
        (dict(go_backwards=True), r"LSTM: go_backwards=True is not implemented .*Bidirectional"),
        (dict(return_state=True), r"LSTM: return_state=True is not implemented .*one array"),
        (dict(stateful=True), r"LSTM: stateful=True is not implemented"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            LSTM(4, **kwargs)
    assert Embedding(10, 3, mask_zero=False).output_dim == 3
    with pytest.raises(TypeError, match=r"Embedding: mask_zero must be True or False"):
        Embedding(10, 3, mask_zero=1)
