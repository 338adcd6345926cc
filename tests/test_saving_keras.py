"""Keras 3's files: tinyframe writes ``.keras`` and ``.weights.h5`` files Keras 3 reads, and reads the ones it writes.

The oracle is Keras itself (3.15.1, torch backend): the same inputs give the same predictions
in both frameworks, whichever wrote the file. Without keras those tests skip; the round trips
and the refusals need only h5py (the ``keras`` extra).
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import tempfile
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinyframe
from tinyframe import Input, Model, Sequential, load_model
from tinyframe.activations import GELU, SELU, Identity, Sigmoid, Softplus, Swish, Tanh
from tinyframe.keras_format import _table, _write
from tinyframe.layers import (
    ELU,
    GRU,
    LSTM,
    Add,
    Average,
    AveragePooling1D,
    AveragePooling2D,
    BatchNormalization,
    Bidirectional,
    Concatenate,
    Conv1D,
    Conv2D,
    Cropping1D,
    Cropping2D,
    Dense,
    Dot,
    Dropout,
    Embedding,
    Flatten,
    GaussianNoise,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    Layer,
    LayerNormalization,
    LeakyReLU,
    Maximum,
    MaxPooling1D,
    MaxPooling2D,
    Minimum,
    Multiply,
    Normalization,
    ReLU,
    RepeatVector,
    Rescaling,
    Reshape,
    SimpleRNN,
    Softmax,
    Subtract,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from tinyframe.layers.base import nonnegative_weights

h5py = pytest.importorskip("h5py")
RNG = np.random.default_rng(0)
# Keras's torch backend converts its tensors through __array__ without NumPy 2's copy keyword: its warning, not ours
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


# ------------------------------------------------------------------ models of every layer both sides have
def images(dtype):
    """Two inputs, branches of unequal depth, every merge, the image layers and every activation layer."""
    a, b = Input((6, 6, 3), name="img"), Input((5,), name="vec")
    x = Conv2D(4, (3, 2), strides=2, activation="gelu")(ZeroPadding2D(((1, 0), (0, 2)))(a))
    x = Cropping2D(((1, 0), (0, 1)))(UpSampling2D((2, 1))(BatchNormalization()(x)))
    x = MaxPooling2D(1)(AveragePooling2D(2, padding="same")(x))
    x = GlobalMaxPooling2D()(x)
    y = Dense(4, activation="selu")(Rescaling(0.5, offset=-1.0)(b))
    z = Dense(4, activation="tanh", kernel_regularizer="l2")(y)
    merged = [m()([x, y]) for m in (Add, Multiply, Average, Maximum, Minimum)] + [Subtract()([x, z])]
    c = Reshape((6, 4))(Dropout(0.2)(LayerNormalization()(Concatenate()(merged))))
    c = Concatenate()([Flatten()(c), Dot(axes=1)([x, y]), GlobalAveragePooling2D()(a)])
    for activation in (ReLU, lambda: LeakyReLU(0.2), ELU, Sigmoid, Tanh, Swish, Softplus, SELU, GELU, Identity):
        c = activation()(c)
    out = Softmax()(Dense(3, activation="swish")(GaussianNoise(0.1)(c)))
    model = Model([a, b], out, name="images", dtype=dtype, seed=0)
    return model, [RNG.normal(size=(4, 6, 6, 3)), RNG.normal(size=(4, 5))]


def sequences(dtype):
    """Statistics learnt by adapt, and every recurrent layer, wrapped in Bidirectional with each merge."""
    normalization = Normalization()
    normalization.adapt(RNG.normal(2.0, 3.0, size=(20, 6, 4)))
    twin = SimpleRNN(2, activation="relu")
    layers = [
        Input((6, 4)),
        normalization,
        Bidirectional(LSTM(3, return_sequences=True), "concat"),
        Bidirectional(GRU(2, return_sequences=True), "ave"),
        GRU(3, return_sequences=True),
        Bidirectional(SimpleRNN(2), "mul", twin),
        Dense(2, activation="softplus"),
    ]
    return Sequential(layers, dtype=dtype, seed=0), RNG.normal(size=(4, 6, 4))


def indices(dtype):
    """Embedding, the 1D layers, statistics given to Normalization, and rows repeated into sequences."""
    layers = [
        Input((7,)),
        Embedding(10, 3),
        Conv1D(2, 2, padding="causal", dilation_rate=2),
        ZeroPadding1D((1, 2)),
        UpSampling1D(2),
        Cropping1D((1, 2)),
        AveragePooling1D(2, strides=1, padding="same"),
        MaxPooling1D(2),
        LSTM(3, return_sequences=True),
        GlobalMaxPooling1D(),
        Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 2.0]),
        RepeatVector(2),
        Flatten(),
        Dense(2, activation="relu"),
    ]
    return Sequential(layers, dtype=dtype, seed=0), RNG.integers(0, 10, size=(4, 7))


def shared(dtype):
    """One Dense called on two inputs (its weights shared), and Dense layers of equal shapes that Keras lists in
    another order than they were called (the first is nearest the output): their weights must not swap."""
    i1, i2 = Input((4,), name="left"), Input((4,), name="right")
    twice = Dense(3, activation="tanh")
    first = Dense(3)(i1)
    deeper = Dense(3, activation="relu")(Dense(3)(i1))
    steps = GlobalAveragePooling1D()(Reshape((2, 2))(i2))
    out = Dense(1)(Concatenate()([first, twice(i1), twice(i2), deeper, steps]))
    return Model([i1, i2], out, dtype=dtype, seed=0), [RNG.normal(size=(4, 4)), RNG.normal(size=(4, 4))]


MODELS = {"images": images, "sequences": sequences, "indices": indices, "shared": shared}


def randomize(model):
    """Weights far from their initial values (biases, moving statistics), so that a misplaced one shows."""
    weights = [RNG.normal(0.0, 0.5, w.shape) for w in model.get_weights()]
    for i, what in nonnegative_weights(model.layers).items():  # variances (and a count): >= 0
        weights[i] = np.full(weights[i].shape, 20.0) if what.endswith("count") else np.abs(weights[i]) + 0.5
    model.set_weights(weights)
    return model


def test_every_layer_tinyframe_writes_in_keras_format_is_in_the_models():
    used = {type(layer) for make in MODELS.values() for layer in _all_layers(make("float32")[0])}
    assert {cls for codec in _table.CODECS for cls in codec.tiny} <= used


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, Bidirectional):
            yield from (layer.forward_layer, layer.backward_layer)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_round_trip_through_a_keras_file_is_exact(name, dtype, tmp_path):
    model, X = MODELS[name](dtype)
    randomize(model).save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert loaded.dtype == dtype and loaded.name == model.name
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert all(p.dtype == q.dtype and np.array_equal(p, q) for p, q in zip(model.get_weights(), loaded.get_weights()))
    assert np.array_equal(np.asarray(loaded.predict(X)), np.asarray(model.predict(X)))


def test_a_frozen_layer_stays_frozen_and_initializers_without_a_match_are_announced(tmp_path):
    model = small()
    model.layers[0].trainable = False
    model.save(tmp_path / "m.keras")
    assert [layer.trainable for layer in load_model(tmp_path / "m.keras").layers] == [False, True]

    def truncated(config):
        initializer = {"class_name": "TruncatedNormal", "config": {"mean": 0.0, "stddev": 0.02, "seed": None}}
        first_dense(config)["config"]["kernel_initializer"] = initializer

    with pytest.warns(UserWarning, match=r"the initializer .*TruncatedNormal.* the layer takes 'glorot_uniform'"):
        loaded = load_model(edited(tmp_path, config=truncated))
    assert loaded.layers[0].kernel_initializer == "glorot_uniform"
    custom = Sequential([Input((3,)), Dense(2, kernel_initializer=lambda shape, rng, dtype: np.ones(shape, dtype))])
    with pytest.warns(UserWarning, match="is a custom function, which a file cannot hold; the file names"):
        custom.save(tmp_path / "custom.keras")


def test_the_file_is_keras_s_zip(tmp_path):
    model, _ = sequences("float32")
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert [(i.filename, i.compress_type) for i in archive.infolist()] == [
            ("metadata.json", zipfile.ZIP_STORED),
            ("config.json", zipfile.ZIP_STORED),
            ("model.weights.h5", zipfile.ZIP_STORED),
        ]
        config = json.loads(archive.read("config.json"))
        tree = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    assert config["class_name"] == "Sequential"
    assert [layer["class_name"] for layer in config["config"]["layers"]][:3] == [
        "InputLayer",
        "Normalization",
        "Bidirectional",
    ]
    assert tree["layers/bidirectional/forward_layer/cell/vars/0"].shape == (4, 12)
    assert tree["layers/normalization/vars/2"].dtype == np.int32  # Keras's count
    assert sorted(tree["layers"]) == [
        "bidirectional",
        "bidirectional_1",
        "bidirectional_2",
        "dense",
        "gru",
        "normalization",
    ]


# ------------------------------------------------------------------ against Keras 3
def keras_randomize(keras_model):
    weights = []
    for v in keras_model.weights:
        w = np.asarray(v)
        if w.dtype.kind == "f":
            w = RNG.normal(0.0, 0.5, w.shape).astype(w.dtype)
            w = np.abs(w) + 0.5 if "variance" in v.path else w
        weights.append(w)
    keras_model.set_weights(weights)
    return keras_model


def assert_same_predictions(ours, theirs, X):
    expected = [np.asarray(y, np.float64) for y in (theirs if isinstance(theirs, list) else [theirs])]
    found = ours if isinstance(ours, list) else [ours]
    for a, b in zip(found, expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_reads_what_tinyframe_writes(name, keras, tmp_path):
    model, X = MODELS[name]("float32")
    randomize(model).save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    assert [layer.name for layer in theirs.layers] == [p.name for p in _write.places(model)]  # Keras's order
    assert_same_predictions(model.predict(X), theirs.predict(X, verbose=0), X)


def keras_models(keras):
    """Keras-built models of the layers tinyframe reads, with their inputs."""
    L = keras.layers
    a, b = keras.Input((6, 6, 3), name="img"), keras.Input((5,), name="vec")
    x = L.Conv2D(4, (3, 2), strides=2, activation="gelu")(L.ZeroPadding2D(((1, 0), (0, 2)))(a))
    x = L.Cropping2D(((1, 0), (0, 1)))(L.UpSampling2D((2, 1))(L.BatchNormalization()(x)))
    x = L.GlobalMaxPooling2D()(L.MaxPooling2D(1)(L.AveragePooling2D(2, padding="same")(x)))
    y = L.Dense(4, activation="selu")(L.Rescaling(0.5, offset=-1.0)(b))
    merged = [m()([x, y]) for m in (L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum, L.Minimum)]
    c = L.Reshape((6, 4))(L.Dropout(0.2)(L.LayerNormalization()(L.Concatenate()(merged))))
    c = L.Concatenate()([L.Flatten()(c), L.Dot(axes=1)([x, y])])
    for layer in (L.ReLU(), L.LeakyReLU(0.2), L.ELU(), L.Activation("sigmoid"), L.GaussianNoise(0.1)):
        c = layer(c)
    images = keras.Model([a, b], L.Softmax()(L.Dense(3, activation="swish")(c)))
    normalization = L.Normalization()
    normalization.adapt(RNG.normal(2.0, 3.0, size=(20, 6, 4)).astype("float32"))
    sequences = keras.Sequential(
        [
            keras.Input((6, 4)),
            normalization,
            L.Bidirectional(L.LSTM(3, return_sequences=True)),
            L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="ave"),
            L.Bidirectional(
                L.SimpleRNN(2), merge_mode="mul", backward_layer=L.SimpleRNN(2, activation="relu", go_backwards=True)
            ),
            L.Dense(2, activation="softplus"),
        ]
    )
    indices = keras.Sequential(
        [
            keras.Input((7,), dtype="int32"),
            L.Embedding(10, 3),
            L.Conv1D(3, 2, padding="causal", dilation_rate=2),
            L.ZeroPadding1D((1, 2)),
            L.AveragePooling1D(2, strides=1, padding="same"),
            L.GlobalAveragePooling1D(),
            L.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 2.0]),
            L.Dense(2, activation="relu"),
        ]
    )
    i1, i2 = keras.Input((4,)), keras.Input((4,))
    twice = L.Dense(3, activation="tanh")
    first, deeper = L.Dense(3)(i1), L.Dense(3, activation="relu")(L.Dense(3)(i1))
    shared = keras.Model([i1, i2], L.Dense(1)(L.Concatenate()([first, twice(i1), twice(i2), deeper])))
    two = [RNG.normal(size=(4, 4)), RNG.normal(size=(4, 4))]
    return {
        "images": (images, [RNG.normal(size=(4, 6, 6, 3)), RNG.normal(size=(4, 5))]),
        "sequences": (sequences, RNG.normal(size=(4, 6, 4))),
        "indices": (indices, RNG.integers(0, 10, size=(4, 7))),
        "shared": (shared, two),
    }


def test_tinyframe_reads_what_keras_writes(keras, tmp_path):
    for name, (theirs, X) in keras_models(keras).items():
        keras_randomize(theirs).save(tmp_path / f"{name}.keras")
        ours = load_model(tmp_path / f"{name}.keras")
        assert ours.dtype == "float32" and ours.optimizer is None
        assert_same_predictions(ours.predict(X), theirs.predict(X, verbose=0), X)


def test_a_float64_keras_model_loads_as_float64(keras, tmp_path):
    L = keras.layers
    theirs = keras.Sequential([keras.Input((3,)), L.Dense(4, dtype="float64"), L.Dense(2, dtype="float64")])
    keras_randomize(theirs).save(tmp_path / "m.keras")
    ours, X = load_model(tmp_path / "m.keras"), RNG.normal(size=(5, 3))
    assert ours.dtype == "float64"
    assert_same_predictions(ours.predict(X), theirs.predict(X, verbose=0), X)


def test_weights_files_go_both_ways(keras, tmp_path):
    model, X = sequences("float32")
    randomize(model).save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    randomize(model).save_weights(tmp_path / "ours.weights.h5")  # new weights, into Keras's twin
    theirs.load_weights(tmp_path / "ours.weights.h5")
    assert_same_predictions(model.predict(X), theirs.predict(X, verbose=0), X)
    keras_randomize(theirs).save_weights(tmp_path / "theirs.weights.h5")  # and Keras's new ones into ours
    model.load_weights(tmp_path / "theirs.weights.h5")
    assert_same_predictions(model.predict(X), theirs.predict(X, verbose=0), X)


def test_weights_files_round_trip_and_a_keras_file_gives_its_weights(tmp_path):
    model, X = images("float32")
    randomize(model).save_weights(tmp_path / "w.weights.h5")
    model.save(tmp_path / "m.keras")
    for path in ("w.weights.h5", "m.keras"):
        twin, _ = images("float32")
        twin.load_weights(tmp_path / path)
        assert np.array_equal(twin.predict(X), model.predict(X))


# ------------------------------------------------------------------ refusals
@tinyframe.register
class Doubling(Layer):
    """y = 2 x, a layer of one's own, which Keras's format has no class for."""

    def forward(self, x, training=False):
        return 2 * x

    def backward(self, grad_out):
        return 2 * grad_out


def small(dtype="float32"):
    return Sequential([Input((3,)), Dense(4, activation="relu"), Dense(2)], dtype=dtype, seed=0)


def test_a_layer_keras_cannot_hold_is_refused_before_anything_is_written(tmp_path):
    model = Sequential([Input((3,)), Dense(4), Doubling()], seed=0)
    small().save(tmp_path / "m.keras")
    before = (tmp_path / "m.keras").read_bytes()
    with pytest.raises(ValueError, match=r"layer 'doubling' \(Doubling\) is a Doubling, which Keras's format does not"):
        model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="use a .npz file"):
        model.save_weights(tmp_path / "new.weights.h5")
    assert (tmp_path / "m.keras").read_bytes() == before and sorted(os.listdir(tmp_path)) == ["m.keras"]
    model.save(tmp_path / "m.npz")  # tinyframe's own file holds it
    assert isinstance(load_model(tmp_path / "m.npz").layers[-1], Doubling)


def test_an_activation_keras_has_no_name_for_is_refused_on_save(tmp_path):
    model = Sequential([Input((3,)), Dense(2, activation=LeakyReLU(0.1))], seed=0)
    with pytest.raises(ValueError, match="has no name in Keras.*put it after the layer as a layer of its own"):
        model.save(tmp_path / "m.keras")


def members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_members(path, found, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in found.items():
            archive.writestr(name, data)


def edited(tmp_path, config=None, weights=None):
    """A saved `small` model's file, its config.json changed by ``config(c)`` or its tree by ``weights(file)``."""
    path = tmp_path / "m.keras"
    small().save(path)
    found = members(path)
    if config is not None:
        changed = json.loads(found["config.json"])
        config(changed)
        found["config.json"] = json.dumps(changed).encode()
    if weights is not None:
        buffer = io.BytesIO(found["model.weights.h5"])
        with h5py.File(buffer, "r+") as tree:
            weights(tree)
        found["model.weights.h5"] = buffer.getvalue()
    write_members(path, found)
    return path


def first_dense(config):
    return config["config"]["layers"][1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda c: first_dense(c).update(class_name="PReLU"),
            r"layer 'dense' \(PReLU\) is a Keras 'PReLU', which tinyframe has no",
        ),
        (
            lambda c: first_dense(c).update(class_name="Lambda"),
            "Lambda layer: its function is Python code, which tinyframe never runs",
        ),
        (lambda c: first_dense(c).update(module="mine", registered_name="Custom>Dense"), "is a custom class"),
        (lambda c: first_dense(c)["config"].update(kernel_constraint={"class_name": "NonNeg"}), "kernel_constraint="),
        (lambda c: first_dense(c)["config"].update(activation="relu6"), "the activation 'relu6' is not supported"),
        (
            lambda c: c["config"]["layers"][0]["config"].update(batch_shape=[None, None]),
            r"dimension of any size \(None\)",
        ),
        (lambda c: c.update(class_name="MyModel"), "a subclassed model's architecture is Python code"),
        (
            lambda c: (
                c["config"].update(dtype="mixed_float16") or first_dense(c)["config"].update(dtype="mixed_float16")
            ),
            "mixed_float16",
        ),
    ],
    ids=["unknown class", "lambda", "custom class", "constraint", "activation", "variable size", "subclassed", "dtype"],
)
def test_a_keras_file_with_what_tinyframe_lacks_is_refused_naming_it(tmp_path, change, message):
    path = edited(tmp_path, config=change)
    with pytest.raises(ValueError, match=message) as refused:
        load_model(path)
    assert str(refused.value).startswith(str(path))


def test_a_recurrent_option_tinyframe_lacks_is_refused(keras, tmp_path):
    keras.Sequential([keras.Input((5, 2)), keras.layers.LSTM(3, dropout=0.5)]).save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"layer 'lstm\w*' \(LSTM\): the option dropout=0.5 is not supported"):
        load_model(tmp_path / "m.keras")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: (
                t["layers/dense/vars"].__delitem__("0")
                or t["layers/dense/vars"].create_dataset("0", data=np.ones((4, 3), "f4"))
            ),
            r"must have shape \(3, 4\). Received: shape \(4, 3\)",
        ),
        (
            lambda t: (
                t["layers/dense/vars"].__delitem__("1") or t["layers/dense/vars"].create_dataset("1", data=np.ones(4))
            ),
            "must have dtype float32. Received: dtype float64",
        ),
        (
            lambda t: t["layers/dense/vars"].__delitem__("1"),
            r"must have 2 variables in 'layers/dense/vars'. Received: \['0'\]",
        ),
        (
            lambda t: t["layers"].create_group("conv2d/vars").create_dataset("0", data=np.ones(2)),
            r"holds the weights of layers \['conv2d'\]",
        ),
        (
            lambda t: (
                t["layers/dense/vars"].__delitem__("1")
                or t["layers/dense/vars"].create_dataset("1", data=np.ones(4, "f4"), chunks=(2,), compression="gzip")
            ),
            "is chunked",
        ),
        (
            lambda t: (
                t["layers/dense_1"].__delitem__("vars")
                or t["layers/dense_1"].__setitem__("vars", h5py.ExternalLink("other.h5", "/vars"))
            ),
            "goes through a ExternalLink",
        ),
    ],
    ids=["shape", "dtype", "missing", "extra layer", "compressed dataset", "external link"],
)
def test_a_weights_tree_that_is_not_the_model_s_is_refused_before_reading(tmp_path, change, message):
    path = edited(tmp_path, weights=change)
    with pytest.raises(ValueError, match=message) as refused:
        load_model(path)
    assert str(refused.value).startswith(f"{path}: member 'model.weights.h5': ")


def test_damaged_and_foreign_zips_are_refused_naming_the_file(tmp_path):
    path = tmp_path / "m.keras"
    small().save(path)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match=r"m.keras: it is not a valid .keras \(zip\) archive, or it is truncated"):
        load_model(path)
    write_members(path, _members_of_small(tmp_path), zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match="is compressed"):
        load_model(path)
    write_members(path, {**_members_of_small(tmp_path), "config.json": b"{not json"})
    with pytest.raises(ValueError, match="member 'config.json' is not valid JSON"):
        load_model(path)
    write_members(path, {**_members_of_small(tmp_path), "extra.py": b"print('hi')"})
    with pytest.raises(ValueError, match=r"expected Keras's members .* Received: members"):
        load_model(path)
    write_members(path, {**_members_of_small(tmp_path), "model.weights.h5": b"\x93NUMPY not hdf5"})
    with pytest.raises(ValueError, match="it is not an HDF5 file"):
        load_model(path)
    with pytest.raises(ValueError, match="a .weights.h5 file holds weights only"):
        load_model(tmp_path / "w.weights.h5")


def _members_of_small(tmp_path):
    small().save(tmp_path / "small.keras")
    return members(tmp_path / "small.keras")


def test_a_small_file_describing_a_huge_model_is_refused_without_allocating_it(tmp_path):
    def huge(config):
        config["config"]["layers"][0]["config"]["batch_shape"] = [None, 10**6]
        first_dense(config)["config"]["units"] = 10**6

    path = edited(tmp_path, config=huge)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"must have shape \(1000000, 1000000\)"):
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"refusing it allocated {peak} bytes"


SAVED = {}


def saved_members():
    """The members of a small saved model with a recurrent layer (made once)."""
    if not SAVED:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.keras")
            Sequential([Input((3, 4)), LSTM(3), Dense(2)], seed=0).save(path)
            SAVED.update(members(path))
    return SAVED


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["config.json", "model.weights.h5"]), st.data())
def test_bytes_spliced_into_a_member_load_or_are_refused_naming_the_file(tmp_path, member, data):
    found = dict(saved_members())
    body = found[member]
    at = data.draw(st.integers(0, len(body) - 1))
    junk = data.draw(st.binary(min_size=1, max_size=16))
    found[member] = body[:at] + junk + body[at + data.draw(st.sampled_from([0, len(junk)])) :]
    write_members(tmp_path / "f.keras", found)
    tracemalloc.start()
    try:
        load_model(tmp_path / "f.keras")
    except ValueError as refused:
        assert str(refused).startswith(str(tmp_path / "f.keras")), refused
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"loading allocated {peak} bytes"


def test_load_weights_refuses_another_architecture_and_changes_nothing(tmp_path):
    small().save_weights(tmp_path / "w.weights.h5")
    other = Sequential([Input((3,)), Dense(5), Dense(2)], seed=1)
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"w.weights.h5: dataset 'layers/dense/vars/0' must have shape \(3, 5\)"):
        other.load_weights(tmp_path / "w.weights.h5")
    assert all(np.array_equal(a, b) for a, b in zip(before, other.get_weights()))


def test_without_h5py_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r'pip install "tinyframe\[keras\]"'):
        small().save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()


# ------------------------------------------------------------------ tinyframe's own files and the writer's promises
def test_other_names_stay_tinyframe_s_npz(tmp_path):
    model = small()
    model.compile(optimizer="adam")
    for name in ("m.npz", "m.h5", "m.weights.npz"):
        model.save(tmp_path / name)
        with np.load(tmp_path / name, allow_pickle=False) as f:
            assert "config" in f.files
        assert np.array_equal(load_model(tmp_path / name).predict(np.ones((2, 3))), model.predict(np.ones((2, 3))))


def test_files_tinyframe_wrote_under_keras_s_names_before_still_load(tmp_path):
    model = small()
    model.compile(optimizer="adam")
    for name in ("old.keras", "old.weights.h5"):  # what save wrote for these names before: tinyframe's .npz
        tinyframe.saving._save(model, tmp_path / name, include_optimizer=True)
        loaded = load_model(tmp_path / name)
        assert loaded.optimizer is not None and np.array_equal(loaded.get_weights()[0], model.get_weights()[0])
        twin = Sequential([Input((3,)), Dense(4, activation="relu"), Dense(2)], seed=5)
        twin.load_weights(tmp_path / name)
        assert np.array_equal(twin.predict(np.ones((2, 3))), model.predict(np.ones((2, 3))))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    for name in ("m.keras", "w.weights.h5"):
        os.mkfifo(tmp_path / name)  # opening it to read would wait for a writer forever
    with pytest.raises(ValueError, match="m.keras: is not a regular file"):
        load_model(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="w.weights.h5: is not a regular file"):
        small().load_weights(tmp_path / "w.weights.h5")


def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "nothing.keras")
    with pytest.raises(FileNotFoundError):
        small().load_weights(tmp_path / "nothing.weights.h5")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits and symlinks")
def test_saving_over_a_file_keeps_its_permission_bits_and_its_symlink(tmp_path):
    target = tmp_path / "real.keras"
    small().save(target)
    os.chmod(target, 0o600)
    os.symlink(target, tmp_path / "link.keras")
    small().save(tmp_path / "link.keras")
    assert os.path.islink(tmp_path / "link.keras") and stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert load_model(tmp_path / "link.keras").count_params() == small().count_params()


def test_compile_settings_travel_by_keras_names_and_the_optimizer_state_is_warned_about(tmp_path):
    """Keras compiles the model it loads (keras.io's timeseries example evaluates a loaded .keras checkpoint)."""
    model = small()
    model.compile(loss="mse", optimizer=tinyframe.optimizers.Adam(0.01), metrics=["mae"])
    model.save(tmp_path / "fresh.keras")  # no state yet: nothing to warn about
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0)
    with pytest.warns(UserWarning, match="the optimizer's settings, not its state"):
        model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert type(loaded.loss).__name__ == "MeanSquaredError" and type(loaded.optimizer).__name__ == "Adam"
    assert loaded.optimizer.learning_rate == pytest.approx(0.01) and list(loaded.metrics) == ["mae"]
    X, y = np.ones((4, 3)), np.zeros((4, 2))
    assert loaded.evaluate(X, y, return_dict=True, verbose=0) == pytest.approx(
        model.evaluate(X, y, return_dict=True, verbose=0)
    )
    model.compile()  # the article's SquaredError has no Keras name: written uncompiled, with a warning
    with pytest.warns(UserWarning, match="has no Keras name"):
        model.save(tmp_path / "plain.keras")
    assert load_model(tmp_path / "plain.keras").optimizer is None


def test_keras_compiled_files_load_compiled(tmp_path, keras):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.SparseCategoricalAccuracy(name="sparse")])  # fmt: skip
    model.save(tmp_path / "k.keras")
    loaded = load_model(tmp_path / "k.keras")
    assert type(loaded.optimizer).__name__ == "Momentum" and loaded.optimizer.momentum == pytest.approx(0.9)
    assert type(loaded.loss).__name__ == "CrossEntropy" and list(loaded.metrics) == ["accuracy", "sparse"]


def test_tinyframe_compiled_files_load_compiled_in_keras(tmp_path, keras):
    model = small()
    model.compile(loss="mse", optimizer="adam", metrics=["mae"])
    model.save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    assert theirs.optimizer.__class__.__name__ == "Adam"
    X, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    assert theirs.evaluate(X, y, verbose=0)[0] == pytest.approx(model.evaluate(X, y, verbose=0)[0], rel=1e-5)
