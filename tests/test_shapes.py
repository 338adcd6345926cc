"""The shape-generic layer contract: build(input_shape), compute_output_shape, inputs of any rank.

References: Softmax against its 2-D rows, and central-difference gradient checks (float64)
of random stacks on inputs of rank 2, 3 and 4 (Dense on a rank-k input against a plain loop
over the leading axes is in tests/layers/test_dense.py).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, initializers, load_model
from tinyframe.activations import Sigmoid, Softmax
from tinyframe.layers import Dense, Dropout, Input, Layer
from tinyframe.losses import CrossEntropy, MeanSquaredError

from .strategies import (
    arrays,
    batch_sizes,
    checkable,
    record,
    stacks,
)

leading = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)  # the axes between batch and features


class ChannelScale(Layer):
    """``y = x * g`` with one gain per channel (the last axis), built from the input shape."""

    def build(self, input_shape):
        self.g = self.add_param("g", (input_shape[-1],), "ones")

    def forward(self, x, training=False):
        self._x = x
        return x * self.g

    def backward(self, grad_out):
        self.grads["g"][...] = (grad_out * self._x).reshape(-1, self.g.size).sum(axis=0)
        return grad_out * self.g


class Pairs(Layer):
    """Folds the last axis in pairs: ``(..., 2k) -> (..., k, 2)``; refuses an odd width."""

    def compute_output_shape(self, input_shape):
        if input_shape[-1] % 2:
            raise ValueError(f"{self!r} expects an even last axis, shape (..., 2k). Received: {input_shape}")
        return (*input_shape[:-1], input_shape[-1] // 2, 2)

    def forward(self, x, training=False):
        return x.reshape(*x.shape[:-1], x.shape[-1] // 2, 2)

    def backward(self, grad_out):
        return grad_out.reshape(*grad_out.shape[:-2], -1)


# ------------------------------------------------------------------ the contract
def test_build_receives_the_input_shape_without_the_batch():
    model = Sequential([Input((5, 3)), ChannelScale(), Dense(4)], dtype="float64", seed=0)
    assert model.layers[0].params["g"].shape == (3,) and model.layers[0].input_shape == (5, 3)
    assert model.layers[1].params["W"].shape == (3, 4) and model.output_shape == (5, 4)


def test_a_layer_built_by_hand_takes_a_shape_with_or_without_keras_batch_dimension():
    a = Dense(4).build((7, 3), dtype="float64", rng=0)
    b = Dense(4).build((None, 7, 3), dtype="float64", rng=0)
    assert a.params["W"].shape == b.params["W"].shape == (3, 4)
    np.testing.assert_array_equal(a.params["W"], b.params["W"])


def test_compute_output_shape_traces_the_model_and_errors_name_the_layer():
    model = Sequential([Input((6,)), Pairs(), Dense(3)])
    assert model.output_shape == (3, 3)
    with pytest.raises(ValueError, match=r"layer 0 \(pairs\): Pairs\(\) expects an even last axis.* Received: \(5,\)"):
        Sequential([Input((5,)), Pairs(), Dense(3)])


def test_a_forward_that_disagrees_with_its_declared_shape_is_named():
    class Liar(Pairs):
        def compute_output_shape(self, input_shape):
            return input_shape

    model = Sequential([Input((4,)), Liar()])
    with pytest.raises(ValueError, match="must override compute_output_shape"):
        model.predict(np.ones((2, 4)))


def test_bad_shapes_are_refused_naming_what_was_expected():
    with pytest.raises(
        ValueError, match=r"an input shape must be a non-empty tuple of positive ints.* Received: \(0, 3\)"
    ):
        Input((0, 3))
    with pytest.raises(TypeError, match=r"an input shape must be a tuple of positive ints.*Received: 'wide'"):
        Dense(3, input_shape="wide")
    with pytest.raises(ValueError, match=r"Dense\(8, 2\) expects inputs whose last axis has 8 features"):
        Dense(8, 2).build((4, 5))
    with pytest.raises(ValueError, match="an Input may only come first"):
        Sequential([Dense(3), Input((3,))])


# --------------------------------------------------------------- lazy building
def test_keras_spelling_builds_on_the_first_array_and_a_refused_fit_changes_nothing():
    X, y = np.random.default_rng(0).normal(size=(12, 5)), np.arange(12) % 3
    model = Sequential([Dense(4), Sigmoid(), Dense(3)], seed=0)
    assert not model.built and model.input_shape is None
    state = model.rng.bit_generator.state
    with pytest.raises(ValueError, match=r"y must have shape \(12, 3\)"):
        model.fit(X, np.ones((12, 2)), verbose=0)
    assert not model.built and model.rng.bit_generator.state == state  # refused before anything changed
    model.fit(X, y, epochs=2, verbose=0)
    assert model.built and model.input_shape == (5,) and model.output_shape == (3,)
    twin = Sequential([Dense(5, 4), Sigmoid(), Dense(4, 3)], seed=0)  # the design card's spelling, same seed
    twin.fit(X, y, epochs=2, verbose=0)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("how", ["input", "input_shape", "build", "call", "predict"])
def test_every_way_to_give_the_input_shape(how):
    layers = {
        "input": [Input((4, 2)), Dense(3)],
        "input_shape": [Dense(3, input_shape=(4, 2))],
    }.get(how, [Dense(3)])
    model = Sequential(layers, seed=0)
    if how == "build":
        model.build((None, 4, 2))
    elif how == "call":
        assert model(np.ones((1, 4, 2))).shape == (1, 4, 3)
    elif how == "predict":
        model.predict(np.ones((2, 4, 2)))
    assert model.built and model.input_shape == (4, 2) and model.count_params() == 9


def test_the_input_width_is_read_through_shape_keeping_layers_only():
    assert Sequential([Dropout(0.1), Sigmoid(), Dense(7, 2)]).input_shape == (7,)
    assert Sequential([Pairs(), Dense(7, 2)]).input_shape is None  # Pairs changes the shape: not read across it


def test_a_built_model_refuses_inputs_of_another_shape():
    model = Sequential([Input((4, 2)), Dense(3)])
    with pytest.raises(ValueError, match=r"takes inputs of shape \(None, 4, 2\). Received: shape \(None, 8\)"):
        model.predict(np.ones((3, 8)))


# ------------------------------------------------------------- the references
@given(st.data(), leading, st.integers(1, 5), batch_sizes)
def test_softmax_normalises_the_last_axis(data, lead, k, m):
    z = data.draw(arrays((m, *lead, k)))
    y = Softmax().build(dtype="float64").forward(z)
    rows = Softmax().build(dtype="float64").forward(z.reshape(-1, k)).reshape(z.shape)
    np.testing.assert_array_equal(y, rows)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-15 * k)


def test_fans_of_any_kernel_shape_follow_keras():
    assert initializers.fans((64, 30)) == (64, 30)
    assert initializers.fans((5, 4, 25)) == (5 * 4, 5 * 25)  # Conv1D kernel: receptive field 5, 4 -> 25 channels
    assert initializers.fans((3, 3, 16, 32)) == (9 * 16, 9 * 32)
    w = initializers.he_normal((5, 40, 25), np.random.default_rng(0), "float64")
    # std sqrt(2 / 200) = 0.1; 5000 draws estimate it within 3 % with overwhelming probability (sd of the
    # estimate is 0.1 / sqrt(2 * 5000) = 1 %), so a rule that used shape[0] = 5 (std 0.63) cannot pass.
    assert abs(w.std() - 0.1) < 0.003


# --------------------------------------------------------- gradients, ranks 2-4
@given(st.data(), stacks(), leading, batch_sizes)
def test_random_stacks_on_inputs_of_rank_2_to_4(data, stack, lead, m):
    model, n_in, n_out = stack
    model.compile(loss=MeanSquaredError())
    X = data.draw(arrays((m, *lead, n_in)))
    assume(checkable(model, X))
    record(f"stack rank {2 + len(lead)}", gradcheck.check_model(model, X, data.draw(arrays((m, *lead, n_out), 0, 1))))


@given(st.data(), leading, st.integers(2, 4), batch_sizes)
def test_cross_entropy_on_the_last_axis_behind_a_custom_layer(data, lead, k, m):
    model = Sequential([Input((*lead, 3)), ChannelScale(), Dense(k, activation="sigmoid"), Dense(k)], "float64", 0)
    model.compile(loss=CrossEntropy(from_logits=True))
    X = data.draw(arrays((m, *lead, 3)))
    labels = data.draw(
        st.lists(st.integers(0, k - 1), min_size=m * int(np.prod(lead)), max_size=m * int(np.prod(lead)))
    )
    Y = np.eye(k)[np.reshape(labels, (m, *lead))]
    record(f"CrossEntropy rank {2 + len(lead)}", gradcheck.check_model(model, X, Y))


def test_check_layer_on_a_rank_4_input():
    layer = Dense(3, activation="sigmoid").build((2, 3, 4), dtype="float64", rng=0)
    x = np.random.default_rng(1).normal(size=(2, 2, 3, 4))
    record("Dense rank 4", gradcheck.check_layer(layer, x))


# ---------------------------------------------- the whole path at rank 3 and 4
def sequence_data(n=40, steps=5, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, steps, features))
    return X, (X[..., 0] > 0).astype(int) + (X[..., 1] > 1).astype(int)  # labels (n, steps) in [0, classes)


def sequence_model(seed=0, dtype="float64"):
    model = Sequential([Input((5, 4)), Dense(8, activation="tanh"), Dense(3)], dtype=dtype, seed=seed)
    model.compile(loss=CrossEntropy(from_logits=True), optimizer="adam", metrics=["accuracy"])
    return model


def test_fit_evaluate_predict_validation_on_labels_per_position():
    X, y = sequence_data()
    model = sequence_model()
    history = model.fit(X, y, epochs=30, batch_size=8, validation_split=0.25, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(X).shape == (40, 5, 3)
    loss, accuracy = model.evaluate(X, y, verbose=0)
    expected = np.mean(model.predict(X).argmax(-1) == y)  # accuracy over every (sample, step) position
    assert accuracy == pytest.approx(expected, rel=1e-12) and accuracy > 0.7
    assert loss == pytest.approx(CrossEntropy(from_logits=True).forward(model.predict(X), np.eye(3)[y]), rel=1e-12)


@pytest.mark.parametrize("shuffle", [True, False])
def test_a_memory_mapped_rank_3_input_trains_as_in_memory(tmp_path, shuffle):
    X, y = sequence_data(n=64)
    mapped = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+", dtype="float64", shape=X.shape)
    mapped[...] = X
    mapped.flush()
    on_file, in_memory = sequence_model(), sequence_model()
    on_file.fit(np.load(tmp_path / "X.npy", mmap_mode="r"), y, epochs=2, batch_size=16, shuffle=shuffle, verbose=0)
    in_memory.fit(X, y, epochs=2, batch_size=16, shuffle=shuffle, verbose=0)
    for a, b in zip(on_file.get_weights(), in_memory.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_saving_keeps_the_input_shape_names_and_a_lazily_built_model(tmp_path):
    X, y = sequence_data()
    model = Sequential([Dense(8, activation="relu", name="hidden"), Dense(3)], dtype="float32", seed=0)
    model.compile(loss=CrossEntropy(from_logits=True), optimizer="adam")
    model.fit(X, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.input_shape == (5, 4) and [x.name for x in loaded.layers] == ["hidden", "dense"]
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    lines = []
    loaded.summary(print_fn=lines.append)
    assert "(None, 5, 3)" in lines[0] and "hidden (Dense)" in lines[0]


def test_a_format_1_file_still_loads(tmp_path):
    """Files written before shapes were saved: the first Dense(in, out) declares the input width."""
    model = Sequential([Dense(4, 3), Sigmoid()], dtype="float64", seed=0)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as archive:
        arrays_ = dict(archive)
    config = json.loads(str(arrays_["config"]))
    config["format_version"] = 1
    del config["model"]["input_shape"], config["model"]["name"]
    for spec in config["model"]["layers"]:
        del spec["name"]
    arrays_["config"] = np.array(json.dumps(config))
    np.savez(tmp_path / "old.npz", **arrays_)
    loaded = load_model(tmp_path / "old.npz")
    assert loaded.input_shape == (4,)
    np.testing.assert_array_equal(loaded.predict(np.eye(4)), model.predict(np.eye(4)))


# ------------------------------------------------------------------ the Keras surface
def test_add_to_a_built_model_builds_the_new_layer_from_the_shape_it_receives():
    model = Sequential([Input((5, 3)), Dense(4)], seed=0)
    model.add(Dense(2, name="head"))
    assert model.get_layer("head").params["W"].shape == (4, 2) and model.output_shape == (5, 2)
    with pytest.raises(ValueError, match=r"no layer is called 'tail'. The layers are \['dense', 'head'\]"):
        model.get_layer("tail")
    with pytest.raises(ValueError, match="layer names must be unique; layers 0 and 2 are both 'dense'"):
        model.add(Dense(2, name="dense"))
    with pytest.raises(ValueError, match=r"Sequential.add: layer 2: Dense\(3, 1\) expects inputs whose last axis"):
        model.add(Dense(3, 1))
    assert len(model.layers) == 2  # nothing was added by the refused calls


def test_a_layer_alone_builds_on_its_first_call_and_knows_its_weights():
    layer = Dense(2)
    with pytest.raises(ValueError, match="is not built yet, so it has no weights for get_weights"):
        layer.get_weights()
    y = layer(np.ones((3, 4), "float32"))
    assert y.shape == (3, 2) and layer.dtype == np.float32 and layer.count_params() == 10
    W, b = layer.get_weights()
    layer.set_weights([2 * W, b + 1])
    np.testing.assert_allclose(layer(np.ones((1, 4), "float32")), (2 * W).sum(0, keepdims=True) + b + 1, rtol=1e-6)
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(4, 2\). Received: shape \(2, 4\)"):
        layer.set_weights([W.T, b])


def test_verbose_on_evaluate_and_predict(capsys):
    X, y = sequence_data()
    model = sequence_model()
    model.evaluate(X, y)  # "auto": one line of results, as Keras prints
    model.predict(X)  # "auto": nothing (Keras draws a bar; documented)
    model.predict(X, batch_size=16, verbose=1)
    model.evaluate(X, y, verbose=0)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and re.fullmatch(r"loss: [0-9.]+ - accuracy: [0-9.]+", lines[0])
    assert re.fullmatch(r"3/3 - [0-9.e-]+s", lines[1])
    with pytest.raises(ValueError, match="verbose must be 'auto', 0, 1 or 2. Received: verbose=3"):
        model.predict(X, verbose=3)


def test_layers_of_two_models_combine_without_a_name_clash():
    a, b = Sequential([Dense(4, 3)]), Sequential([Dense(3, 2)])
    both = Sequential([*a.layers, *b.layers])
    assert [layer.name for layer in both.layers] == ["dense", "dense_1"]
    assert both.get_layer("dense_1") is b.layers[0]
    with pytest.raises(ValueError, match="layer names must be unique; layers 0 and 1 are both 'x'"):
        Sequential([Dense(4, 3, name="x"), Dense(3, 2, name="x")])


def test_a_model_whose_first_dense_declares_rows_but_takes_sequences_saves_and_loads(tmp_path):
    """Loading builds from the saved input shape, not from the first Dense(in, out)'s own width."""
    model = Sequential([Dense(5, 4, input_shape=(6, 5)), Dense(2)], dtype="float64", seed=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    X = np.random.default_rng(0).normal(size=(3, 6, 5))
    assert loaded.input_shape == (6, 5)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
