"""Bidirectional: two plain recurrent layers on x and on x reversed, merged by hand, are the oracle.

The reference runs two separately built layers holding the wrapper's weights (its
``get_weights`` split in halves), on ``x`` and on ``np.flip(x, 1)``, and merges their
outputs with NumPy; the wrapper's own reversal, merge and parameter bookkeeping are not used by it.
"""

from __future__ import annotations

import copy
import doctest
import json
import pickle
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, load_model
from tinyframe.layers import GRU, LSTM, Bidirectional, Dense, Flatten, Input, Reshape, SimpleRNN, bidirectional
from tinyframe.losses import CrossEntropy, MeanSquaredError
from tinyframe.optimizers import Adam, GradientDescent

from .strategies import arrays, batch_sizes, record, report_worst, seeds  # noqa: F401  (report_worst: autouse)

CELLS = {"SimpleRNN": SimpleRNN, "GRU": GRU, "LSTM": LSTM}
MODES = ["concat", "sum", "ave", "mul"]


def randomized(layer, seed):
    """``layer`` with every weight (biases too) drawn from N(0, 0.6^2), so no term is left at zero."""
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0.0, 0.6, w.shape) for w in layer.get_weights()])
    return layer


def wrapper(cell, units, T, features, seed, merge_mode="concat", return_sequences=False, dtype="float64"):
    layer = Bidirectional(CELLS[cell](units, return_sequences=return_sequences), merge_mode=merge_mode)
    return randomized(layer.build((T, features), dtype=dtype, rng=seed), seed + 1)


def reference(layer, x):
    """The wrapper's output from two layers built apart, on x and np.flip(x, 1), merged with NumPy."""
    inner = layer.forward_layer
    weights = layer.get_weights()
    half = len(weights) // 2
    forward, backward = (type(inner).from_config(inner.get_config()).build(x.shape[1:], rng=0) for _ in range(2))
    forward.set_weights(weights[:half])
    backward.set_weights(weights[half:])
    y_f = forward.forward(x).copy()
    y_b = backward.forward(np.flip(x, 1)).copy()
    if inner.return_sequences:
        y_b = np.flip(y_b, 1)  # step t of both outputs is input step t
    return {
        "concat": lambda: np.concatenate([y_f, y_b], axis=-1),
        "sum": lambda: y_f + y_b,
        "ave": lambda: (y_f + y_b) / 2,
        "mul": lambda: y_f * y_b,
    }[layer.merge_mode]()


# ---------------------------------------------------------------------------- forward = the definition
@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("merge_mode", MODES)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_forward_equals_two_plain_layers_merged_by_hand(cell, merge_mode, return_sequences):
    T, features, units = 7, 3, 4
    layer = wrapper(cell, units, T, features, seed=3, merge_mode=merge_mode, return_sequences=return_sequences)
    x = np.random.default_rng(0).normal(size=(5, T, features))
    expected = reference(layer, x)
    got = layer.forward(x)
    width = 2 * units if merge_mode == "concat" else units
    assert got.shape == ((5, T, width) if return_sequences else (5, width)) == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * max(1.0, float(np.abs(expected).max())))


def test_the_backward_layer_reads_the_sequence_from_its_end():
    """A one-unit linear SimpleRNN with W = 1, U = 1, b = 0 outputs running sums: forward prefix, backward suffix."""
    inner = SimpleRNN(1, activation=None, return_sequences=True)
    layer = Bidirectional(inner).build((4, 1), dtype="float64", rng=0)
    layer.set_weights([np.ones((1, 1)), np.ones((1, 1)), np.zeros(1)] * 2)
    x = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 4, 1)
    y = layer.forward(x)[0]
    assert y[:, 0].tolist() == [1.0, 3.0, 6.0, 10.0]  # x_0 + ... + x_t
    assert y[:, 1].tolist() == [10.0, 9.0, 7.0, 4.0]  # x_t + ... + x_3, aligned with step t
    last = Bidirectional(SimpleRNN(1, activation=None)).build((4, 1), dtype="float64", rng=0)
    last.set_weights(layer.get_weights())
    assert last.forward(x)[0].tolist() == [10.0, 10.0]  # without sequences: both last states see all of x


# ------------------------------------------------------------------------------------ gradients
cases = st.fixed_dictionaries(
    {
        "cell": st.sampled_from(sorted(CELLS)),
        "merge_mode": st.sampled_from(MODES),
        "return_sequences": st.booleans(),
        "units": st.integers(1, 4),
        "m": batch_sizes,
        "T": st.integers(1, 5),
        "features": st.integers(1, 3),
        "seed": seeds,
    }
)


@settings(max_examples=30)
@given(case=cases, data=st.data())
def test_gradients_of_the_input_and_both_layers_parameters(case, data):
    layer = wrapper(
        case["cell"], case["units"], case["T"], case["features"], case["seed"], case["merge_mode"],
        case["return_sequences"],
    )  # fmt: skip
    x = data.draw(arrays((case["m"], case["T"], case["features"]), -2.0, 2.0))
    result = gradcheck.check_layer(layer, x, seed=case["seed"])
    names = ("kernel", "recurrent_kernel", "bias")
    assert set(result.errors) == {"input", *(f"{d}_{n}" for d in ("forward", "backward") for n in names)}
    record(f"Bidirectional {case['merge_mode']}", result)


@settings(max_examples=8)
@given(m=batch_sizes, T=st.integers(1, 4), seed=seeds, merge_mode=st.sampled_from(MODES))
def test_a_model_with_a_layer_in_front_and_a_different_backward_layer_gradchecks(m, T, seed, merge_mode):
    units = 2 if merge_mode != "concat" else 3
    model = Sequential(
        [
            Input((T, 2)),
            Dense(3),
            Bidirectional(LSTM(2, return_sequences=True), merge_mode, GRU(units, return_sequences=True)),
            Flatten(),
            Dense(2),
        ],
        dtype="float64",
        seed=seed,
    )
    rng = np.random.default_rng(seed)
    model.set_weights([w + rng.normal(0.0, 0.3, w.shape) for w in model.get_weights()])
    model.compile(loss=MeanSquaredError())
    X, y = rng.normal(size=(m, T, 2)), rng.normal(size=(m, 2))
    record("Bidirectional in a model", gradcheck.check_model(model, X, y))


@pytest.mark.parametrize("merge_mode", MODES)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_backward_params_sets_the_same_gradients_as_backward(merge_mode, return_sequences):
    layer = wrapper("GRU", 3, 4, 2, seed=5, merge_mode=merge_mode, return_sequences=return_sequences)
    x = np.random.default_rng(0).normal(size=(2, 4, 2))
    g = np.random.default_rng(1).normal(size=layer.forward(x).shape)
    layer.backward(g)
    full = {k: v.copy() for k, v in layer.grads.items()}
    for grad in layer.grads.values():
        grad[...] = np.nan  # backward_params must overwrite every gradient, of both layers
    layer.forward(x)
    layer.backward_params(g)
    assert all(np.array_equal(full[k], layer.grads[k]) for k in full)


# ------------------------------------------------------------------- parameters: owned by the wrapper
def test_one_sgd_step_moves_both_layers_exactly_by_their_gradients():
    """Feature 0 is always 0, so row 0 of both kernels has a zero gradient: those weights, and only they, stay."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 5, 3))
    X[:, :, 0] = 0.0
    y = rng.normal(size=(6, 2))
    model = Sequential(
        [Input((5, 3)), Bidirectional(SimpleRNN(3, return_sequences=True), "sum"), Flatten(), Dense(2)],
        dtype="float64",
        seed=1,
    )
    model.compile(loss=MeanSquaredError(), optimizer=GradientDescent(0.1))
    loss = model.loss
    loss.forward(model.forward(X, training=True), y)
    model.backward(loss.backward())
    grads = [g.copy() for g in model.grads]
    before = model.get_weights()
    layer = model.layers[0]
    assert list(layer.params) == [
        f"{d}_{n}" for d in ("forward", "backward") for n in ("kernel", "recurrent_kernel", "bias")
    ]
    assert all(np.any(g != 0) for g in grads)  # both directions have gradients ...
    assert not grads[0][0].any() and not grads[3][0].any()  # ... except row 0 of each kernel
    for g in model.grads:
        g[...] = 0.0  # the step must compute every gradient again (fit's backward_params path)
    model.fit(X, y, epochs=1, batch_size=None, shuffle=False, verbose=0)
    after = model.get_weights()
    for w0, w1, g in zip(before, after, grads):
        assert np.array_equal(w1 != w0, g != 0)
        np.testing.assert_allclose(w1, w0 - 0.1 * g, rtol=0, atol=4 * np.finfo(np.float64).eps * np.abs(w0).max())
    # the block's gradient views are the inner layers' own gradient arrays
    assert layer.grads["backward_kernel"] is layer.backward_layer.grads["kernel"]
    assert layer.params["forward_bias"] is layer.forward_layer.params["bias"]


def test_the_mnist1d_model_weights_counts_summary_and_freezing():
    model = Sequential(
        [Input((40,)), Reshape((40, 1)), Bidirectional(GRU(6, return_sequences=True)), Flatten(), Dense(10)]
    )
    layer = model.layers[1]
    assert layer.name == "bidirectional" and model.output_shape == (10,)
    assert model.predict(np.zeros((3, 40), "float32")).shape == (3, 10)
    assert layer.count_params() == 2 * (3 * 6 * (1 + 6) + 2 * 3 * 6)  # Keras: 324
    shapes = [w.shape for w in layer.get_weights()]
    assert shapes == [(1, 18), (6, 18), (2, 18)] * 2
    lines = []
    model.summary(print_fn=lines.append)
    assert any(
        "bidirectional (Bidirectional)" in line and "(None, 40, 12)" in line and "324" in line
        for line in lines[0].splitlines()
    )
    new = [np.full(s, i, dtype="float32") for i, s in enumerate(shapes)]
    layer.set_weights(new)
    assert np.array_equal(layer.backward_layer.params["bias"], new[5])  # set_weights reaches the inner layers
    layer.trainable = False
    frozen = layer.get_weights()
    model.compile(loss=MeanSquaredError(), optimizer=Adam(0.01))
    X = np.random.default_rng(0).normal(size=(8, 40))
    model.fit(X, np.zeros((8, 10)), epochs=2, batch_size=4, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, layer.get_weights()))
    lines = []
    model.summary(print_fn=lines.append)
    assert "Non-trainable params: 324" in lines[0]


def test_copies_and_rebuilds_keep_the_inner_layers_on_the_wrappers_arrays():
    X = np.random.default_rng(0).normal(size=(4, 6, 2))
    model = Sequential([Input((6, 2)), Bidirectional(LSTM(3), "ave"), Dense(1)], dtype="float64", seed=0)
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert np.array_equal(clone.predict(X), model.predict(X))
        layer = clone.layers[0]
        for prefix, inner in (("forward_", layer.forward_layer), ("backward_", layer.backward_layer)):
            assert all(inner.params[n] is layer.params[prefix + n] for n in inner.params)
            assert all(inner.grads[n] is layer.grads[prefix + n] for n in inner.params)
        clone.compile(loss=MeanSquaredError(), optimizer=GradientDescent(0.5))
        clone.fit(X, np.ones((4, 1)), epochs=1, verbose=0)
        assert not np.array_equal(clone.predict(X), model.predict(X))
    by_hand = Bidirectional(GRU(2)).build((3, 2), rng=0)
    first = by_hand.get_weights()
    by_hand.build((3, 2), rng=1)  # a second build by hand creates new weights, as for any layer
    assert not np.array_equal(first[0], by_hand.get_weights()[0])
    assert by_hand.forward_layer.params["kernel"] is by_hand.params["forward_kernel"]
    GRU(2).build((3, 2), rng=0).build((3, 2), rng=1)  # the recurrent layers themselves rebuild too


# --------------------------------------------------------------------------------------- float32
@pytest.mark.parametrize("merge_mode", MODES)
def test_float32_runs_in_float32_and_agrees_with_float64(merge_mode):
    T, features, units = 10, 3, 4
    l64 = wrapper("LSTM", units, T, features, seed=2, merge_mode=merge_mode, return_sequences=True)
    l32 = Bidirectional(LSTM(units, return_sequences=True), merge_mode).build((T, features), dtype="float32", rng=0)
    l32.set_weights(l64.get_weights())
    x = np.random.default_rng(0).normal(size=(3, T, features))
    y32, y64 = l32.forward(x.astype(np.float32)), l64.forward(x)
    g = np.random.default_rng(1).normal(size=y64.shape)
    dx32, dx64 = l32.backward(g.astype(np.float32)), l64.backward(g)
    assert y32.dtype == dx32.dtype == np.float32 and all(v.dtype == np.float32 for v in l32.grads.values())
    tol = 16 * (features + units) * T * np.finfo(np.float32).eps  # as tests/test_recurrent.py, times the merge's 2
    np.testing.assert_allclose(y32, y64, rtol=0, atol=2 * tol * max(1.0, np.abs(y64).max()))
    np.testing.assert_allclose(dx32, dx64, rtol=0, atol=2 * tol * np.abs(dx64).max())
    for k in l64.grads:
        np.testing.assert_allclose(l32.grads[k], l64.grads[k], rtol=0, atol=2 * tol * np.abs(l64.grads[k]).max())


# ------------------------------------------------------------------------------------ saving
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_save_and_load_predict_identically(dtype, tmp_path):
    X = np.random.default_rng(0).normal(size=(6, 9, 3))
    model = Sequential(
        [
            Input((9, 3)),
            Bidirectional(LSTM(4, return_sequences=True, unit_forget_bias=False), "mul"),
            Bidirectional(SimpleRNN(2, activation="sigmoid"), backward_layer=GRU(3, recurrent_activation="tanh")),
            Dense(1),
        ],
        dtype=dtype,
        seed=2,
    )
    model.compile(loss=MeanSquaredError(), optimizer=Adam(0.01))
    model.fit(X, np.ones((6, 1)), epochs=2, verbose=0)
    model.save(tmp_path / "bi.npz")
    loaded = load_model(tmp_path / "bi.npz")
    assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in model.layers]
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in model.layers]
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    for m in (model, loaded):  # the optimizer state came back too: training on agrees
        m.fit(X, np.ones((6, 1)), epochs=1, verbose=0, shuffle=False)
    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_get_config_nests_the_layer_and_round_trips():
    layer = Bidirectional(GRU(6, return_sequences=True), merge_mode="ave")
    config = layer.get_config()
    assert config == {
        "layer": {"class_name": "GRU", "config": GRU(6, return_sequences=True).get_config()},
        "merge_mode": "ave",
    }
    json.dumps(config)
    again = Bidirectional.from_config(json.loads(json.dumps(config)))
    assert again.get_config() == config and again.forward_layer is not again.backward_layer
    assert repr(again) == "Bidirectional(GRU(6, return_sequences=True), merge_mode='ave')"


def rewritten(path, out, edit):
    """A copy of the model file at ``path`` whose JSON config went through ``edit``."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    config = json.loads(str(arrays["config"]))
    edit(config["model"]["layers"][0]["config"])
    arrays["config"] = np.array(json.dumps(config))
    np.savez(out, **arrays)
    return out


def test_a_file_can_only_name_recurrent_layers_inside_and_runs_no_code(tmp_path):
    model = Sequential([Input((4, 2)), Bidirectional(GRU(2)), Dense(1)], dtype="float64", seed=0)
    model.save(tmp_path / "m.npz")

    def nested(config):
        config["layer"] = {"class_name": "Bidirectional", "config": dict(config)}

    def code(config):
        config["layer"]["class_name"] = "os.system"

    def not_recurrent(config):
        config["layer"] = {"class_name": "Dense", "config": {"in_features": 2}}

    with pytest.raises(ValueError, match=r"Bidirectional.layer must be a recurrent layer.*'Bidirectional'"):
        load_model(rewritten(tmp_path / "m.npz", tmp_path / "a.npz", nested))
    with pytest.raises(ValueError, match="unknown layer class 'os.system'"):
        load_model(rewritten(tmp_path / "m.npz", tmp_path / "b.npz", code))
    with pytest.raises(ValueError, match=r"Bidirectional.layer must be a recurrent layer.*'Dense'"):
        load_model(rewritten(tmp_path / "m.npz", tmp_path / "c.npz", not_recurrent))


# ------------------------------------------------------------------------------------- in a model
def test_fit_lowers_the_loss_on_a_task_that_needs_both_ends():
    """Is x_0 + x_{T-1} (first feature) positive? The last states of the two directions each saw one end last."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(128, 10, 2))
    y = (X[:, 0, 0] + X[:, -1, 0] > 0).astype(int)
    model = Sequential([Bidirectional(GRU(8)), Dense(2)], seed=1)
    model.compile(loss=CrossEntropy(from_logits=True), optimizer=Adam(0.02), metrics=["accuracy"])
    history = model.fit(X, y, epochs=15, batch_size=32, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] > 0.85  # chance is about 0.5


def test_predict_from_threads_gives_the_single_threaded_answer():
    rng = np.random.default_rng(0)
    model = Sequential([Input((20, 2)), Bidirectional(GRU(4, return_sequences=True), "mul"), Flatten()], seed=0)
    inputs = [rng.normal(size=(int(rng.integers(1, 30)), 20, 2)) for _ in range(6)]
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


def test_docstring_example_runs():
    result = doctest.testmod(bidirectional)
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------------------------------------- refusals
def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match=r"Bidirectional: layer must be a recurrent layer.*Received: Dense\(.*Dense"):
        Bidirectional(Dense(3))
    with pytest.raises(TypeError, match="Bidirectional: layer must be a recurrent layer.*of type type"):
        Bidirectional(GRU)
    with pytest.raises(ValueError, match="merge_mode=None .*Sequential needs one array"):
        Bidirectional(GRU(2), merge_mode=None)
    with pytest.raises(ValueError, match=r"merge_mode must be one of .*Received: 'max'"):
        Bidirectional(GRU(2), merge_mode="max")
    with pytest.raises(TypeError, match="Bidirectional: backward_layer must be a recurrent layer"):
        Bidirectional(GRU(2), backward_layer=Dense(2))
    with pytest.raises(ValueError, match=r"backward_layer must have the return_sequences of layer \(False\)"):
        Bidirectional(GRU(2), backward_layer=GRU(2, return_sequences=True))
    gru = GRU(2)
    with pytest.raises(ValueError, match="backward_layer must be another instance than layer"):
        Bidirectional(gru, backward_layer=gru)
    with pytest.raises(ValueError, match=r"merge_mode='sum' needs layers of the same units \(2\).*units=3"):
        Bidirectional(GRU(2), "sum", backward_layer=LSTM(3))
    with pytest.raises(ValueError, match="Bidirectional: layer must not be built yet"):
        Bidirectional(GRU(2).build((3, 1), rng=0))


def test_bad_shapes_are_refused_naming_the_layer():
    with pytest.raises(ValueError, match=r"Bidirectional\(GRU\(2\)\): GRU\(2\) expects sequences.*\(4,\)"):
        Bidirectional(GRU(2)).compute_output_shape((4,))
    with pytest.raises(ValueError, match=r"layer 1 \(bidirectional\).*expects sequences.*Received: input shape \(4,\)"):
        Sequential([Input((5,)), Dense(4), Bidirectional(GRU(3))])
    layer = Bidirectional(LSTM(2)).build((5, 3), rng=0)
    with pytest.raises(ValueError, match=r"Bidirectional\(LSTM\(2\)\): LSTM\(2\) was built for 3 features"):
        layer.compute_output_shape((5, 4))
    with pytest.raises(ValueError, match=r"Bidirectional\(LSTM\(2\)\): .*expects sequences.*\(3,\)"):
        layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"Bidirectional\(GRU\(2\)\): the input shape is unknown"):
        Bidirectional(GRU(2)).build()
