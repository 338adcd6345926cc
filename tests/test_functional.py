"""Keras's functional API: Model(inputs, outputs) over a graph of layer calls.

The gradients of random graphs (fan-out, merges, layers shared at several nodes, frozen
layers, several inputs) are checked against central differences in float64; a straight
line built with the functional API trains exactly as the same `Sequential`; refusals name
the layer or the input; files and configs round-trip.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinyframe
from tinyframe import Input, Model, Sequential, gradcheck, load_model
from tinyframe.activations import Sigmoid, Tanh
from tinyframe.layers import Add, Average, Concatenate, Dense, Flatten, Layer, Multiply, Subtract
from tinyframe.losses import SquaredError
from tinyframe.optimizers import GradientDescent

from .strategies import arrays, batch_sizes, record, seeds

MERGES = {"Add": Add, "Subtract": Subtract, "Multiply": Multiply, "Average": Average}


def residual_model(seed=0, dtype="float64"):
    inputs = Input(shape=(4,), name="x")
    h = Dense(4, activation="tanh")(inputs)
    h = Add()([inputs, h])
    outputs = Dense(2)(h)
    return Model(inputs, outputs, seed=seed, dtype=dtype)


# ---------------------------------------------------------------------- the surface
def test_keras_spellings_resolve_from_the_package():
    import tinyframe as keras

    assert keras.Input is tinyframe.layers.Input and keras.Model is Model and keras.Sequential is Sequential
    assert tinyframe.models.Model is Model and tinyframe.models.Input is Input
    assert isinstance(Sequential([Input((3,)), Dense(2)]), Model)  # in Keras a Sequential is a Model too


def test_layers_are_listed_once_in_call_order_inputs_first_with_keras_names():
    a, b = Input((3,), name="a"), Input((3,), name="b")
    shared = Dense(3)
    out = Dense(1)(Add()([shared(a), shared(b)]))
    model = Model([a, b], out)
    assert [layer.name for layer in model.layers] == ["a", "b", "dense", "add", "dense_1"]
    assert model.get_layer("dense") is shared and model.input_names == ["a", "b"]
    assert model.input_shape == [(3,), (3,)] and model.output_shape == (1,)
    assert model.count_params() == 12 + 4


def test_a_straight_line_trains_exactly_as_the_same_sequential():
    """The same layers' forwards and backwards, in the same order: bit for bit the same weights."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 5)), rng.integers(0, 3, 40)
    seq = Sequential([Input((5,)), Dense(8), Sigmoid(), Dense(3), Sigmoid()], seed=3)
    inputs = Input((5,))
    x = Sigmoid()(Dense(8)(inputs))
    graph = Model(inputs, Sigmoid()(Dense(3)(x)), seed=3)
    graph.set_weights(seq.get_weights())
    for model in (seq, graph):
        model.compile(loss="mse", optimizer="adam", metrics=["accuracy"])
    h1 = seq.fit(X, y, epochs=3, batch_size=8, verbose=0)
    h2 = graph.fit(X, y, epochs=3, batch_size=8, verbose=0)
    assert h1.history == h2.history
    for w1, w2 in zip(seq.get_weights(), graph.get_weights()):
        np.testing.assert_array_equal(w1, w2)
    assert seq.evaluate(X, y, verbose=0) == graph.evaluate(X, y, verbose=0)


# ------------------------------------------------------------------- gradients
@st.composite
def graphs(draw):
    """A random float64 graph: ``(model, [input widths], output width)``.

    Steps pick among a new Dense, a Dense called again (shared, some with an L2 penalty), an
    activation layer called again (shared, keeping ``_x`` between forward and backward), a
    merge of two tensors, a Concatenate projected back to the width, and a nested model (a
    `Sequential` of two layers, called at one node or again at another, sharing its weights).
    Tensors nothing consumed are added at the end, so every input is used. Dense layers may
    be frozen.
    """
    width = draw(st.integers(1, 3))
    inputs = [Input((width,), name=f"in{k}") for k in range(draw(st.integers(1, 2)))]
    tensors, used = list(inputs), set()
    denses, activations, nested = [], [Tanh(), Sigmoid()], None

    def pick():
        k = draw(st.integers(0, len(tensors) - 1))
        used.add(k)
        return tensors[k]

    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["dense", "shared", "activation", "merge", "concatenate", "nested"]))
        if kind == "nested":
            if nested is None or draw(st.booleans()):  # a new one, or the one made before called again
                nested = Sequential([Dense(width, activation="tanh"), Dense(width)], dtype="float64")
                denses.extend(nested.layers)
            tensors.append(nested(pick()))
        elif kind == "shared" and denses:
            tensors.append(draw(st.sampled_from(denses))(pick()))
        elif kind == "activation":
            tensors.append(draw(st.sampled_from(activations))(pick()))
        elif kind in ("merge", "concatenate") and len(tensors) > 1:
            a, b = pick(), pick()
            if kind == "merge":
                tensors.append(MERGES[draw(st.sampled_from(sorted(MERGES)))]()([a, b]))
            else:
                tensors.append(Dense(width)(Concatenate()([a, b])))
        else:
            regularizer = draw(st.sampled_from([None, "l2"]))
            layer = Dense(width, activation=draw(st.sampled_from(["tanh", None])), kernel_regularizer=regularizer)
            denses.append(layer)
            tensors.append(layer(pick()))
    leaves = [t for k, t in enumerate(tensors) if k not in used]
    second = draw(st.booleans())  # a second output, read off any tensor (a head before the end, or an input)
    inner = tensors[draw(st.integers(0, len(tensors) - 1))] if second else None
    last = leaves[0] if len(leaves) == 1 else Add()(leaves)
    n_out = draw(st.integers(1, 3))
    outputs = [Dense(n_out)(last), *([Dense(2)(inner)] if second else [])]
    model = Model(inputs, outputs if second else outputs[0], dtype="float64", seed=draw(seeds))
    for layer in denses:
        layer.trainable = draw(st.booleans())
    weights = [1.0, draw(st.sampled_from([0.5, 2.0]))] if second else None
    return model, [width] * len(inputs), [n_out, 2] if second else n_out, weights


def targets(data, m, n_out):
    """Targets away from 0: at X = 0 the outputs are 0 too, and a zero loss gradient under a penalty-sized J is
    below what central differences resolve (their rounding, about 1e-17 / eps, against FLOOR * |J|)."""
    if isinstance(n_out, list):
        return [data.draw(arrays((m, k), 0.25, 1)) for k in n_out]
    return data.draw(arrays((m, n_out), 0.25, 1))


@given(st.data(), graphs(), batch_sizes)
def test_random_graphs_have_the_gradients_of_central_differences(data, graph, m):
    model, widths, n_out, weights = graph
    model.compile(loss=SquaredError(), loss_weights=weights)
    X = [data.draw(arrays((m, w))) for w in widths]
    record("graph", gradcheck.check_model(model, X if len(X) > 1 else X[0], targets(data, m, n_out)))


@given(st.data(), graphs(), batch_sizes)
def test_a_training_step_on_a_graph_follows_the_numerical_gradient_and_leaves_frozen_layers(data, graph, m):
    """fit's pruned backward (only what reaches a trainable parameter) and update: ``w - lr * dJ/dw``."""
    model, widths, n_out, weights = graph
    lr = 0.1
    model.compile(loss=SquaredError(), optimizer=GradientDescent(lr), loss_weights=weights)
    X = [data.draw(arrays((m, w))) for w in widths]
    Y = targets(data, m, n_out)
    x = X if len(X) > 1 else X[0]

    def J() -> float:
        return float(model.loss.forward(model.forward(x), Y)) + model.penalty()

    J0 = J()
    assume(np.isfinite(J0))
    numeric = [gradcheck.numerical_gradient(J, p) for p in model.params]
    before = [p.copy() for p in model.params]
    model.train_on_batch(x, Y)
    trainable = [layer.trainable for layer in model.layers for _ in layer.params]
    for i, (old, new, grad) in enumerate(zip(before, model.params, numeric)):
        if trainable[i]:
            error = gradcheck.relative_error((old - new) / lr, grad, J0)
            record("graph step", gradcheck.GradCheckResult({f"params[{i}]": error}))
        else:
            assert np.array_equal(old, new), f"frozen params[{i}] changed"


class Twice(Layer):
    """A custom layer written the simple way: it keeps ``self._x`` for its backward."""

    def forward(self, x, training=False):
        self._x = x
        return x * x

    def backward(self, grad_out):
        return 2 * self._x * grad_out


def test_a_custom_layer_keeping_its_input_is_right_when_shared_at_two_nodes():
    inputs = Input((3,))
    square = Twice()
    h = Dense(3)(inputs)
    out = Dense(1)(Add()([square(inputs), square(h)]))  # the second call's forward would overwrite _x
    model = Model(inputs, out, dtype="float64", seed=0)
    model.compile(loss=SquaredError())
    X = np.random.default_rng(1).uniform(-1, 1, (4, 3))
    record("custom shared", gradcheck.check_model(model, X, np.zeros((4, 1))))


def test_a_shared_layers_penalty_counts_once_in_the_loss_and_its_gradient():
    inputs = Input((2,))
    shared = Dense(2, kernel_regularizer=tinyframe.regularizers.L2(0.5))
    out = shared(shared(shared(inputs)))
    model = Model(inputs, out, dtype="float64", seed=0)
    model.compile(loss=SquaredError())
    assert model.penalty() == pytest.approx(0.5 * np.sum(shared.params["W"] ** 2))
    X = np.random.default_rng(2).uniform(-1, 1, (3, 2))
    record("shared penalty", gradcheck.check_model(model, X, np.zeros((3, 2))))


# ------------------------------------------------------------------- refusals
def test_an_input_the_outputs_do_not_depend_on_is_refused_by_name():
    a, b = Input((2,), name="a"), Input((2,), name="unused")
    with pytest.raises(ValueError, match="the input 'unused' is not used"):
        Model([a, b], Dense(1)(a))


def test_an_output_that_needs_an_input_not_given_is_refused_naming_the_layer():
    a, b = Input((2,), name="a"), Input((2,), name="b")
    merged = Add(name="join")([a, b])
    with pytest.raises(ValueError, match="disconnected: layer 'join' depends on the Input 'b'"):
        Model(a, merged)


def test_two_layers_of_one_name_are_refused():
    inputs = Input((2,))
    out = Dense(1, name="head")(Dense(2, name="head")(inputs))
    with pytest.raises(ValueError, match="two layers are called 'head'"):
        Model(inputs, out)


def test_inputs_must_come_from_input():
    inputs = Input((2,))
    hidden = Dense(2)(inputs)
    with pytest.raises(ValueError, match=r"inputs must be the tensors Input\(...\) returns"):
        Model(hidden, Dense(1)(hidden))
    with pytest.raises(TypeError, match="inputs must be tensors"):
        Model(np.ones((2, 2)), Dense(1)(inputs))
    with pytest.raises(TypeError, match=r"Model\(inputs, outputs\)"):
        Model()


def test_a_shape_mismatch_is_refused_when_the_layer_is_called():
    a, b = Input((2,)), Input((3,))
    with pytest.raises(ValueError, match=r"add_9|Add|add"):
        Add(name="add_9")([a, b])
    dense = Dense(4, name="proj")
    dense(a)
    with pytest.raises(ValueError, match=r"proj: a layer used at several places .* built for \(None, 2\)"):
        dense(b)


def test_arithmetic_on_symbolic_tensors_adds_ops_and_numpy_functions_are_refused():
    a, b = Input((2,)), Input((2,))
    model = Model([a, b], (a + b) * 2.0 - a / 4.0, dtype="float64")
    x, y = np.array([[1.0, 2.0]]), np.array([[3.0, 5.0]])
    np.testing.assert_array_equal(model.predict([x, y]), (x + y) * 2.0 - x / 4.0)
    with pytest.raises(TypeError, match="Concatenate"):
        np.concatenate([a, b], axis=-1)


def test_inputs_of_the_wrong_structure_or_shape_are_refused_before_anything_runs():
    a, b = Input((2,), name="a"), Input((3,), name="b")
    model = Model([a, b], Dense(1)(Concatenate()([a, b])))
    with pytest.raises(ValueError, match=r"the model has 2 inputs \['a', 'b'\]"):
        model.predict(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"keys \['a'\]"):
        model.predict({"a": np.ones((4, 2))})
    with pytest.raises(ValueError, match=r"X\['b'\]: the model takes inputs of shape \(None, 3\)"):
        model.predict([np.ones((4, 2)), np.ones((4, 2))])
    with pytest.raises(ValueError, match="same number of samples"):
        model.predict([np.ones((4, 2)), np.ones((5, 3))])


# ------------------------------------------------------------ several inputs, outputs
def test_several_inputs_by_list_or_dict_and_several_outputs_predict():
    a, b = Input((2,), name="a"), Input((3,), name="b")
    joined = Concatenate()([a, b])
    model = Model({"a": a, "b": b}, [Dense(1, name="score")(joined), Dense(2, name="kind")(joined)], seed=0)
    xa, xb = np.ones((5, 2)), np.arange(15.0).reshape(5, 3)
    by_list, by_dict = model.predict([xa, xb]), model.predict({"b": xb, "a": xa}, batch_size=2)
    assert [y.shape for y in by_list] == [(5, 1), (5, 2)] and model.output_names == ["score", "kind"]
    for y1, y2 in zip(by_list, by_dict):
        np.testing.assert_allclose(y1, y2, rtol=1e-6)


def two_heads(seed=0):
    a, b = Input((2,), name="a"), Input((3,), name="b")
    joined = Concatenate()([a, Dense(4, activation="tanh")(b)])
    return Model(
        [a, b], [Dense(1, name="score")(joined), Dense(3, activation="softmax", name="kind")(joined)], seed=seed
    )


def two_heads_data(n=40):
    rng = np.random.default_rng(0)
    return (
        [rng.standard_normal((n, 2)), rng.standard_normal((n, 3))],
        rng.standard_normal((n, 1)),
        rng.integers(0, 3, n),
    )


def test_several_outputs_train_with_a_loss_each_and_report_them_by_name():
    X, score, kind = two_heads_data()
    model = two_heads()
    model.compile(
        optimizer="adam",
        loss={"score": "mse", "kind": "sparse_categorical_crossentropy"},
        loss_weights={"kind": 0.5},
        metrics={"kind": ["accuracy"]},
    )
    history = model.fit(X, {"score": score, "kind": kind}, epochs=2, batch_size=8, validation_split=0.25, verbose=0)
    assert list(history.history) == [
        "loss", "score_loss", "kind_loss", "kind_accuracy", "val_loss", "val_score_loss", "val_kind_loss",
        "val_kind_accuracy",
    ]  # fmt: skip
    logs = model.evaluate(X, [score, kind], return_dict=True, verbose=0)
    p_score, p_kind = model.predict(X)
    mse = np.mean((p_score - score) ** 2)  # computed here from the outputs, not by tinyframe's losses
    cross_entropy = -np.mean(np.log(p_kind[np.arange(len(kind)), kind]))
    hits = np.mean(p_kind.argmax(axis=1) == kind)
    assert logs["score_loss"] == pytest.approx(mse, rel=1e-5)
    assert logs["kind_loss"] == pytest.approx(cross_entropy, rel=1e-5)
    assert logs["loss"] == pytest.approx(mse + 0.5 * cross_entropy, rel=1e-5)
    assert logs["kind_accuracy"] == pytest.approx(hits)
    assert model.metrics_names == ["loss", "score_loss", "kind_loss", "kind_accuracy"]


def test_one_loss_is_given_to_every_output_and_a_flat_metric_list_to_each():
    X, score, kind = two_heads_data()
    model = two_heads()
    model.compile(loss="mse", optimizer="sgd", metrics=["mae"])
    onehot = np.eye(3)[kind]
    logs = model.evaluate(X, [score, onehot], return_dict=True, verbose=0)
    assert set(logs) == {"loss", "score_loss", "kind_loss", "score_mae", "kind_mae"}
    assert logs["loss"] == pytest.approx(logs["score_loss"] + logs["kind_loss"])


def test_a_compiled_model_of_several_outputs_saves_and_resumes(tmp_path):
    X, score, kind = two_heads_data()
    model = two_heads()
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.25],
                  metrics=[[], ["accuracy"]])  # fmt: skip
    model.fit(X, [score, kind], epochs=1, verbose=0)
    model.save(tmp_path / "two.npz")
    loaded = load_model(tmp_path / "two.npz")
    assert loaded.evaluate(X, [score, kind], return_dict=True, verbose=0) == model.evaluate(
        X, [score, kind], return_dict=True, verbose=0
    )
    model.fit(X, [score, kind], epochs=1, shuffle=False, verbose=0)
    loaded.fit(X, [score, kind], epochs=1, shuffle=False, verbose=0)
    for w1, w2 in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(w1, w2)


def test_several_outputs_refuse_a_loss_structure_that_does_not_fit():
    X, score, kind = two_heads_data()
    model = two_heads()
    with pytest.raises(ValueError, match=r"2 outputs \['score', 'kind'\]: loss must be a list of 2"):
        model.compile(loss=["mse"])
    with pytest.raises(ValueError, match=r"keyed by the model's output names \['score', 'kind'\], every one"):
        model.compile(loss={"score": "mse"})
    with pytest.raises(ValueError, match=r"loss_weights must be non-negative"):
        model.compile(loss="mse", loss_weights=[1.0, -1.0])
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="class_weight is for a model of one output"):
        model.fit(X, [score, np.eye(3)[kind]], class_weight={0: 2.0}, verbose=0)
    with pytest.raises(ValueError, match=r"y: the model has 2 outputs"):
        model.fit(X, score, verbose=0)
    with pytest.raises(ValueError, match="loss_weights is for a model of several outputs"):
        residual_model().compile(loss="mse", loss_weights=[1.0])


def test_a_graph_of_two_inputs_trains_and_evaluates():
    rng = np.random.default_rng(0)
    xa, xb = rng.standard_normal((64, 2)), rng.standard_normal((64, 2))
    y = (xa[:, :1] * xb[:, :1] > 0).astype(float)
    a, b = Input((2,), name="a"), Input((2,), name="b")
    h = Concatenate()([Dense(8, activation="tanh")(a), Dense(8, activation="tanh")(b)])
    model = Model([a, b], Dense(1, activation="sigmoid")(h), seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    before = model.evaluate([xa, xb], y, verbose=0)
    model.fit([xa, xb], y, epochs=30, batch_size=16, verbose=0, validation_split=0.25)
    assert model.evaluate({"a": xa, "b": xb}, y, verbose=0) < before


# ---------------------------------------------------------------- files, threads
def test_save_load_and_config_round_trip_keep_the_graph_and_the_weights(tmp_path):
    a, b = Input((2,), name="a"), Input((2,), name="b")
    shared = Dense(2, activation="tanh", name="shared")
    out = Dense(1)(Subtract()([shared(a), shared(b)]))
    model = Model([a, b], out, name="siamese", seed=0)
    model.compile(loss="mse", optimizer="adam")
    X = [np.ones((3, 2)), np.arange(6.0).reshape(3, 2)]
    model.fit(X, np.ones((3, 1)), epochs=2, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert isinstance(loaded, Model) and not isinstance(loaded, Sequential) and loaded.name == "siamese"
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_layer("shared").params["W"].shape == (2, 2) and loaded.count_params() == model.count_params()
    loaded.fit(X, np.ones((3, 1)), epochs=1, verbose=0)  # the optimizer's state came back with it
    clone = tinyframe.models.clone_model(model, seed=1)
    assert clone.get_config() == model.get_config() and not np.array_equal(clone.predict(X), model.predict(X))


def test_a_config_whose_node_takes_a_later_tensor_is_refused():
    config = residual_model().get_config()
    config["nodes"][0][1] = [["node", 2]]  # the first node would take the output of a node after it: a cycle
    with pytest.raises(ValueError, match=r"model.nodes\[0\] input 0 must be .* an earlier node"):
        Model.from_config(config)


def test_predict_from_several_threads_gives_the_single_threaded_answer_with_shared_layers():
    inputs = Input((6,))
    shared = Dense(6, activation="tanh")
    out = Dense(2)(Add()([shared(inputs), shared(shared(inputs))]))
    model = Model(inputs, out, seed=0)
    X = np.random.default_rng(0).standard_normal((300, 6)).astype(np.float32)
    expected = model.predict(X, batch_size=64)
    results = [None] * 8

    def work(k):
        for _ in range(5):
            results[k] = model.predict(X, batch_size=64)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)


def test_summary_shows_where_each_layer_takes_its_inputs_from(capsys):
    residual_model().summary()
    table = capsys.readouterr().out
    assert "Connected to" in table
    assert "add (Add)" in table and "x[0][0], dense[0][0]" in table and "dense_1 (Dense)" in table


# ------------------------------------------------------------------ Keras 3 as oracle
def test_keras_3_gives_the_same_outputs_and_the_same_sgd_step(monkeypatch):
    """A residual two-input graph with a shared layer: Keras's weights copied in, the same outputs, and after
    one full-batch SGD step on the mean squared error, the same weights."""
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")

    def build(lib, layers, **options):
        a, b = lib.Input(shape=(4,), name="a"), lib.Input(shape=(4,), name="b")
        shared = layers.Dense(4, activation="tanh", name="shared")
        h = layers.Add(name="skip")([a, shared(a)])
        joined = layers.Concatenate(name="join")([h, shared(b), layers.Multiply(name="gate")([a, b])])
        return lib.Model([a, b], layers.Dense(2, name="head")(joined), **options)

    ours, theirs = build(tinyframe, tinyframe.layers, dtype="float64"), build(keras, keras.layers)
    keras_weights = [np.asarray(w, dtype=np.float64) for w in theirs.get_weights()]
    ours.set_weights(keras_weights)
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((8, 4)), rng.standard_normal((8, 4))]
    y = rng.standard_normal((8, 2))
    expected = np.asarray(theirs.predict([x.astype(np.float32) for x in X], verbose=0), dtype=np.float64)
    np.testing.assert_allclose(ours.predict(X), expected, rtol=1e-5, atol=1e-6)  # Keras computes in float32

    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    theirs.train_on_batch([x.astype(np.float32) for x in X], y.astype(np.float32))
    ours.compile(loss="mse", optimizer=tinyframe.optimizers.SGD(0.1))
    ours.train_on_batch(X, y)
    for mine, keras_w in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, np.asarray(keras_w, dtype=np.float64), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------- nested models
def test_a_model_called_on_tensors_is_its_layers_sharing_their_weights():
    """Keras's Siamese network: one embedding Model applied to two inputs; the Model's own weights are shared."""
    inputs = Input((4,))
    embedding = Model(inputs, Dense(3, activation="tanh")(Dense(5, activation="relu")(inputs)), dtype="float64")
    left, right = Input((4,), name="left"), Input((4,), name="right")
    outer = Model([left, right], Dense(1)(Subtract()([embedding(left), embedding(right)])), dtype="float64", seed=0)
    assert outer.count_params() == (4 * 5 + 5) + (5 * 3 + 3) + (3 + 1)
    inner_dense = embedding.layers[1]
    assert inner_dense in outer.layers and inner_dense.params["W"] is outer.get_layer(inner_dense.name).params["W"]
    outer.compile(loss=SquaredError())
    rng = np.random.default_rng(0)
    X = [rng.uniform(-1, 1, (4, 4)), rng.uniform(-1, 1, (4, 4))]
    record("nested model", gradcheck.check_model(outer, X, np.full((4, 1), 0.5)))
    before = embedding.predict(X[0])
    outer.compile(loss="mse", optimizer="sgd")
    outer.fit(X, np.ones((4, 1)), epochs=2, verbose=0)
    assert not np.array_equal(embedding.predict(X[0]), before)  # training the outer model trained the inner one


def test_a_sequential_called_on_a_tensor_is_its_layers():
    inner = Sequential([Input((4,)), Dense(3), Sigmoid()], dtype="float64", seed=0)
    inputs = Input((4,))
    model = Model(inputs, Dense(2)(inner(inputs)), dtype="float64", seed=1)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Sigmoid", "Dense"]
    X = np.random.default_rng(0).uniform(-1, 1, (3, 4))
    hidden = inner.predict(X)
    np.testing.assert_allclose(model.predict(X), hidden @ model.layers[-1].params["W"] + model.layers[-1].params["b"])


# ----------------------------------------------------------- Keras's habits
def test_keras_keywords_attributes_and_a_missing_channel_axis():
    inputs = Input((3, 1), name="series")
    hidden = Dense(2, name="hidden")
    outputs = Flatten()(hidden(inputs))
    model = Model(inputs, outputs, seed=0)
    assert model.input is inputs and model.output is outputs and hidden.input is inputs
    assert model.layers[0].get_weights() == []  # an InputLayer has no weights (Keras returns [])
    X = np.arange(12.0).reshape(4, 3)  # Keras adds the trailing axis of 1 the Input declares
    np.testing.assert_array_equal(model.predict(x=X), model.predict(X[..., None]))
    model.compile(loss="mse", optimizer="sgd")
    model.fit(x=X, y=np.zeros((4, 6)), epochs=1, verbose=0)
    assert model.evaluate(x=X, y=np.zeros((4, 6)), verbose=0) >= 0
    with pytest.raises(TypeError, match="give the inputs once, as X or as x"):
        model.predict(X, x=X)
    with pytest.raises(TypeError, match=r"fit: give the targets y"):
        model.fit(x=X)
    hidden(Input((3, 1)))
    with pytest.raises(ValueError, match=r"hidden.output: the layer has been called 2 times"):
        _ = hidden.output


def test_keras_utils_plot_model_writes_the_picture(tmp_path):
    pytest.importorskip("matplotlib")
    tinyframe.utils.plot_model(residual_model(), to_file=str(tmp_path / "model.png"), show_shapes=True)
    assert (tmp_path / "model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_dict_of_outputs_names_them_for_losses_targets_history_and_predict(tmp_path):
    """Keras's ``Model(inputs, outputs={"priority": ..., "department": ...})`` (the functional API guide)."""
    title, body = Input(shape=(5,), name="title"), Input(shape=(7,), name="body")
    x = Concatenate()([Dense(4)(title), Dense(4)(body)])
    outputs = {"urgent": Dense(1)(x), "team": Dense(3, activation="softmax")(x)}  # keys, not the layers' names
    model = Model([title, body], outputs, dtype="float64", seed=0)
    assert model.output_names == ["urgent", "team"]
    model.compile(loss={"urgent": "mse", "team": "categorical_crossentropy"}, loss_weights={"urgent": 1.0, "team": 0.2})
    rng = np.random.default_rng(0)
    X = {"title": rng.normal(size=(20, 5)), "body": rng.normal(size=(20, 7))}
    y = {"urgent": rng.random((20, 1)), "team": np.eye(3)[rng.integers(0, 3, 20)]}
    history = model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    assert sorted(history.history) == ["loss", "team_loss", "urgent_loss"]
    predicted = model.predict(X, verbose=0)
    assert list(predicted) == ["urgent", "team"] and predicted["team"].shape == (20, 3)
    model.save(tmp_path / "m.npz")
    again = load_model(tmp_path / "m.npz")
    assert again.output_names == ["urgent", "team"]
    np.testing.assert_array_equal(again.predict(X, verbose=0)["urgent"], predicted["urgent"])
    with pytest.raises(ValueError, match="the outputs' names must differ"):
        Model(title, {1: Dense(1)(title), "1": Dense(2)(title)})
