"""save / load_model / load_weights: bit-identical round trips for every class in the project."""

from __future__ import annotations

import inspect
import os
import tempfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyframe
from tinyframe import Sequential, initializers, load_model, registry
from tinyframe.activations import Activation, Sigmoid
from tinyframe.layers import Dense, Layer
from tinyframe.layers.input import InputLayer
from tinyframe.layers.merging import Merge
from tinyframe.losses import Loss, SquaredError
from tinyframe.optimizers import GradientDescent, Optimizer

from .strategies import stacks


@tinyframe.register
class Gain(Layer):
    """The Scale layer of examples/custom_layer.py (``y = x * g``), under its own name, registered for saving."""

    def __init__(self, features: int) -> None:
        super().__init__()
        self.features = features

    def create_params(self) -> None:
        self.add_param("g", (self.features,), "uniform")

    def forward(self, x, training=False):
        self._x = x
        return x * self.params["g"]

    def backward(self, grad_out):
        self.grads["g"][...] = (grad_out * self._x).sum(axis=0)
        return grad_out * self.params["g"]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {"features": self.features}


# Layers whose constructor needs arguments: factory(cls, width). Every other exported
# class is built as cls(); a new class that needs arguments fails the test below until
# it gets a line here, so no exported layer is ever left out of the round trip.
def make_dense(cls, width):
    """Dense with non-default settings, a weight penalty included where Dense takes one."""
    extra = {}
    if "kernel_regularizer" in inspect.signature(cls).parameters:
        extra["kernel_regularizer"] = tinyframe.regularizers.L1L2(l1=0.001, l2=0.01)
    return cls(width, width, kernel_initializer="he_normal", bias_initializer="uniform", **extra)


LAYER_FACTORIES = {
    "Dot": lambda cls, width: cls(axes=1),
    "Dense": make_dense,
    "Dropout": lambda cls, width: cls(0.3),
    "GaussianNoise": lambda cls, width: cls(0.1),
    "LeakyReLU": lambda cls, width: cls(0.1),
    "Gain": lambda cls, width: cls(width),
    "Reshape": lambda cls, width: cls((-1,)),
    "Conv1D": lambda cls, width: cls(3, 2, padding="same", activation="tanh", bias_initializer="uniform"),
    "Conv2D": lambda cls, width: cls(2, (2, 1), strides=2, use_bias=False, kernel_initializer="he_normal"),
    "Conv1DTranspose": lambda cls, width: cls(
        3, 3, strides=2, padding="same", activation="tanh", bias_initializer="uniform"
    ),
    "Conv2DTranspose": lambda cls, width: cls(
        2, (2, 3), strides=(2, 1), use_bias=False, kernel_initializer="he_normal"
    ),
    "Embedding": lambda cls, width: cls(10, width, mask_zero=True),
    "ZeroPadding1D": lambda cls, width: cls((2, 1)),
    "ZeroPadding2D": lambda cls, width: cls(((1, 0), (0, 2))),
    "Cropping1D": lambda cls, width: cls((2, 1)),
    "Cropping2D": lambda cls, width: cls(((1, 0), (2, 1))),
    "UpSampling1D": lambda cls, width: cls(3),
    "UpSampling2D": lambda cls, width: cls((2, 3)),
    "RepeatVector": lambda cls, width: cls(3),
    "SimpleRNN": lambda cls, width: cls(width, activation="relu", recurrent_initializer="glorot_normal"),
    "GRU": lambda cls, width: cls(width, recurrent_activation="tanh", bias_initializer="uniform"),
    "LSTM": lambda cls, width: cls(width, unit_forget_bias=False, bias_initializer="uniform"),
    "Bidirectional": lambda cls, width: cls(
        tinyframe.layers.LSTM(width, bias_initializer="uniform"), "ave", tinyframe.layers.GRU(width)
    ),
    "Rescaling": lambda cls, width: cls([0.5 + i for i in range(width)], offset=-0.25),
    "Normalization": lambda cls, width: adapted(cls(), width),
    "TimeDistributed": lambda cls, width: cls(tinyframe.layers.Dense(width, activation="tanh")),
    "MultiHeadAttention": lambda cls, width: cls(2, 3, value_dim=2, dropout=0.2, output_shape=width),
    "PositionEmbedding": lambda cls, width: cls(8, initializer="uniform"),
    "SinePositionEncoding": lambda cls, width: cls(max_wavelength=100.0),
    "TokenAndPositionEmbedding": lambda cls, width: cls(10, 6, width, embeddings_initializer="glorot_uniform"),
}


def adapted(layer, width):
    """``layer`` after ``adapt`` on data of ``width`` features: its statistics are what the file must keep."""
    layer.adapt(np.random.default_rng(2).normal(3.0, 2.0, (30, width)))
    return layer


# Layers that take samples of another shape than the 4 features small_model gives them: that shape (4 values),
# made by a Reshape in front of the layer; a Flatten behind it gives the Dense after it a flat row.
SAMPLE_SHAPES = {"Conv1D": (4, 1), "Conv2D": (2, 2, 1), "Conv1DTranspose": (4, 1), "Conv2DTranspose": (2, 2, 1)}


def embedding_setup(layer, dtype):
    """Embedding takes the model's own input (indices): it comes first, on (24, 5) indices, labels per position."""
    rng = np.random.default_rng(1)
    model = Sequential([layer, Dense(layer.output_dim, 3), Sigmoid()], dtype=dtype, seed=0)  # (also with positions)
    return rng.integers(0, 10, (24, 5)), rng.integers(0, 3, (24, 5)), model


def attention_setup(layer, dtype):
    """MultiHeadAttention takes a query and a value: causal self-attention in a functional Model, on sequences."""
    inputs = tinyframe.Input((6, 5))
    x = Dense(4)(inputs)
    x = tinyframe.layers.GlobalAveragePooling1D()(layer(x, x, use_causal_mask=True))
    X, y = np.random.default_rng(1).normal(size=(24, 6, 5)), data()[1]
    return X, y, tinyframe.Model(inputs, Sigmoid()(Dense(3)(x)), dtype=dtype, seed=0)


# Layers that cannot follow Dense(5, 4) in small_model: name -> setup(layer, dtype) -> (X, y, model).
SETUPS = {
    "Embedding": embedding_setup,
    "TokenAndPositionEmbedding": embedding_setup,
    "MultiHeadAttention": attention_setup,
}


def exported(namespaces, base, abstract):
    """Concrete classes exported (``__all__``) by ``namespaces`` that subclass ``base``."""
    found = {}
    for namespace in namespaces:
        for name in namespace.__all__:
            obj = getattr(namespace, name)
            if isinstance(obj, type) and issubclass(obj, base) and obj not in abstract:
                found[name] = obj
    return found


# InputLayer only marks a model's input shape (saved as such), never a layer of a saved model.
layers = tinyframe.layers
LAYERS = {  # Lambda holds a function, which a file cannot hold (a model with one refuses to save)
    **exported(
        [tinyframe.layers, tinyframe.activations], Layer, (Layer, Activation, InputLayer, tinyframe.layers.Lambda)
    ),
    "Gain": Gain,
}
LOSSES = exported([tinyframe.losses], Loss, (Loss,))
OPTIMIZERS = exported([tinyframe.optimizers], Optimizer, (Optimizer,))


def make_layer(name, width):
    cls = LAYERS[name]
    if name in LAYER_FACTORIES:
        return LAYER_FACTORIES[name](cls, width)
    required = [
        p
        for p in inspect.signature(cls).parameters.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if required:
        pytest.fail(f"{name} needs constructor arguments {[p.name for p in required]}: add it to LAYER_FACTORIES")
    return cls()


def data(n=24, features=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, features)), rng.integers(0, 3, n)


def small_model(middle, dtype="float64", seed=0):
    if type(middle).__name__ in SAMPLE_SHAPES:
        middle = [tinyframe.layers.Reshape(SAMPLE_SHAPES[type(middle).__name__]), middle, tinyframe.layers.Flatten()]
        return Sequential([Dense(5, 4), *middle, Dense(3), Sigmoid()], dtype=dtype, seed=seed)
    out = middle.compute_output_shape((4,))[-1]
    return Sequential([Dense(5, 4), middle, Dense(out, 3), Sigmoid()], dtype=dtype, seed=seed)


# Layers of sequences or images take no rows: name -> (one sample's shape, the layer after it that brings the
# output back to rows, or None). Their round trip feeds Dense(4) samples of that shape (channels last).
RANKED = {
    "MaxPooling1D": ((6, 5), tinyframe.layers.GlobalAveragePooling1D),
    "AveragePooling1D": ((6, 5), tinyframe.layers.GlobalAveragePooling1D),
    "MaxPooling2D": ((6, 6, 5), tinyframe.layers.GlobalAveragePooling2D),
    "AveragePooling2D": ((6, 6, 5), tinyframe.layers.GlobalAveragePooling2D),
    "GlobalAveragePooling1D": ((6, 5), None),
    "GlobalMaxPooling1D": ((6, 5), None),
    "GlobalAveragePooling2D": ((6, 6, 5), None),
    "GlobalMaxPooling2D": ((6, 6, 5), None),
    "SimpleRNN": ((6, 5), None),  # sequences of 6 steps; the last state is a row
    "GRU": ((6, 5), None),
    "LSTM": ((6, 5), None),
    "Bidirectional": ((6, 5), None),
    "ZeroPadding1D": ((6, 5), tinyframe.layers.GlobalAveragePooling1D),
    "ZeroPadding2D": ((6, 6, 5), tinyframe.layers.GlobalAveragePooling2D),
    "Cropping1D": ((6, 5), tinyframe.layers.GlobalAveragePooling1D),
    "Cropping2D": ((6, 6, 5), tinyframe.layers.GlobalAveragePooling2D),
    "UpSampling1D": ((6, 5), tinyframe.layers.GlobalAveragePooling1D),
    "UpSampling2D": ((6, 6, 5), tinyframe.layers.GlobalAveragePooling2D),
    "RepeatVector": ((5,), tinyframe.layers.Flatten),  # rows become sequences of 3 equal steps
    "TimeDistributed": ((6, 5), tinyframe.layers.GlobalAveragePooling1D),
    "PositionEmbedding": ((6, 5), tinyframe.layers.GlobalAveragePooling1D),
    "Masking": ((6, 5), tinyframe.layers.GlobalAveragePooling1D),
    "SinePositionEncoding": ((6, 5), tinyframe.layers.GlobalAveragePooling1D),
}


def round_trip_model(name, dtype):
    """`small_model` with layer ``name`` in the middle, and data it takes (`RANKED` layers: samples of their shape)."""
    if name in SETUPS:
        X, y, model = SETUPS[name](make_layer(name, 4), dtype)
        return model, X, y
    X, y = data()
    if issubclass(LAYERS[name], Merge):  # a merge layer takes two branches: a functional Model around it
        inputs = tinyframe.Input((5,))
        merged = make_layer(name, 4)([Dense(4)(inputs), Dense(4, activation="tanh")(inputs)])
        return tinyframe.Model(inputs, Sigmoid()(Dense(3)(merged)), dtype=dtype, seed=0), X, y
    if name not in RANKED:
        return small_model(make_layer(name, 4), dtype), X, y
    shape, back_to_rows = RANKED[name]
    X = np.random.default_rng(1).normal(size=(len(X), *shape))
    after = [] if back_to_rows is None else [back_to_rows()]
    layers = [tinyframe.layers.Input(shape), Dense(4), make_layer(name, 4), *after, Dense(3), Sigmoid()]
    return Sequential(layers, dtype=dtype, seed=0), X, y


def assert_same_model(a, b):
    assert [type(x) for x in a.layers] == [type(x) for x in b.layers]
    assert [x.get_config() for x in a.layers] == [x.get_config() for x in b.layers]
    assert a.dtype == b.dtype
    for p, q in zip(a.get_weights(), b.get_weights()):
        assert p.dtype == q.dtype and np.array_equal(p, q)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


def test_every_exported_class_is_a_builtin_of_the_registry():
    assert registry.builtins("layer") == {k: v for k, v in LAYERS.items() if k != "Gain"}
    assert registry.builtins("loss") == LOSSES
    assert registry.builtins("optimizer") == OPTIMIZERS


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_round_trip_predicts_bit_identically_for_every_layer(name, dtype, tmp_path):
    model, X, y = round_trip_model(name, dtype)
    model.compile(optimizer=GradientDescent(0.1))
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert_same_model(model, loaded)
    assert loaded.predict(X).dtype == dtype
    assert np.array_equal(loaded.predict(X), model.predict(X))
    # The Generator state came back too, so even random layers agree in training mode.
    Xc = X.astype(dtype)
    assert np.array_equal(model.forward(Xc, training=True).copy(), loaded.forward(Xc, training=True))


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_round_trip_keeps_loss_optimizer_state_and_metrics(loss, optimizer, tmp_path):
    X, y = data()
    model = small_model(Sigmoid())
    model.compile(loss=LOSSES[loss](), optimizer=OPTIMIZERS[optimizer](), metrics=["acc", "mse"])
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert_same_model(model, loaded)
    assert type(loaded.loss) is LOSSES[loss] and loaded.loss.get_config() == model.loss.get_config()
    assert type(loaded.optimizer) is OPTIMIZERS[optimizer]
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations == 6
    assert list(loaded.metrics) == ["acc", "mse"] and loaded.evaluate(
        X, y, verbose=0, return_dict=True
    ) == model.evaluate(X, y, verbose=0, return_dict=True)
    assert loaded.optimizer.state.keys() == model.optimizer.state.keys()
    for i, slots in model.optimizer.state.items():
        assert slots.keys() == loaded.optimizer.state[i].keys()
        assert all(np.array_equal(v, loaded.optimizer.state[i][k]) for k, v in slots.items())
    # Training on from both gives the same weights: nothing the step depends on was lost.
    for m in (model, loaded):
        m.fit(X, y, epochs=3, initial_epoch=2, batch_size=8, verbose=0)
    assert all(np.array_equal(p, q) for p, q in zip(model.get_weights(), loaded.get_weights()))


@given(stacks(), st.sampled_from(["float32", "float64"]))
def test_random_stacks_round_trip(stack, dtype):
    model, n_in, _ = stack
    model = Sequential([type(layer).from_config(layer.get_config()) for layer in model.layers], dtype=dtype, seed=3)
    X = np.linspace(-2, 2, 3 * n_in).reshape(3, n_in)
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "m.npz"))
        loaded = load_model(os.path.join(folder, "m.npz"))
    assert_same_model(model, loaded)
    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_include_optimizer_false_saves_an_uncompiled_model(tmp_path):
    model = small_model(Sigmoid())
    model.compile(optimizer=GradientDescent(0.5), metrics=["accuracy"])
    model.save(tmp_path / "m.npz", include_optimizer=False)
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.loss is None and loaded.optimizer is None and loaded.metrics == {}
    assert_same_model(model, loaded)
    assert "compile" not in str(np.load(tmp_path / "m.npz")["config"])


def test_the_file_is_an_npz_with_a_json_config(tmp_path):
    import json

    small_model(Sigmoid()).save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        assert sorted(f.files) == ["config", "layers/0/W", "layers/0/b", "layers/2/W", "layers/2/b"]
        config = json.loads(str(f["config"]))
    assert config["format"] == "tinyframe" and config["format_version"] == 2
    assert [layer["class_name"] for layer in config["model"]["layers"]] == ["Dense", "Sigmoid", "Dense", "Sigmoid"]


def test_get_and_set_weights_round_trip_exactly():
    a, b = small_model(Gain(4), "float32", seed=1), small_model(Gain(4), "float32", seed=2)
    b.set_weights(a.get_weights())
    assert all(p.dtype == np.float32 and np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


@given(st.lists(st.floats(-1e300, 1e300, allow_subnormal=True), min_size=12, max_size=12))
def test_set_then_get_weights_is_exact_for_any_finite_float64(values):
    model = Sequential([Dense(2, 4), Sigmoid()], dtype="float64")
    weights = [np.array(values[:8]).reshape(2, 4), np.array(values[8:])]
    model.set_weights(weights)
    assert all(np.array_equal(p, q) for p, q in zip(model.get_weights(), weights))


# ----------------------------------------------------------------- what cannot be saved by name
def test_a_custom_initializer_is_not_saved_and_the_rule_is_announced(tmp_path):
    def he_normal(shape, rng, dtype):  # a user's function that merely shares a built-in's name
        return np.full(shape, 0.5, dtype)

    model = Sequential([Dense(3, 2, kernel_initializer=he_normal, bias_initializer=initializers.ones)], seed=0)
    with pytest.warns(UserWarning, match="layer 0 \\(Dense\\): kernel_initializer='he_normal' is a custom function"):
        model.save(tmp_path / "m.npz")
    with pytest.warns(UserWarning, match="uses the constructor's default"):
        loaded = load_model(tmp_path / "m.npz")
    assert loaded.layers[0].kernel_initializer == "glorot_uniform"  # the default, not the built-in he_normal
    assert loaded.layers[0].bias_initializer == "ones"  # a built-in function is saved by its name
    assert all(np.array_equal(p, q) for p, q in zip(model.get_weights(), loaded.get_weights()))


def test_custom_metrics_are_dropped_with_a_warning(tmp_path):
    def f1(y_true, y_pred):
        return 0.0

    model = small_model(Sigmoid())
    model.compile(metrics=["accuracy", f1])
    with pytest.warns(UserWarning, match="metric 'f1' is a custom function"):
        model.save(tmp_path / "m.npz")
    assert list(load_model(tmp_path / "m.npz").metrics) == ["accuracy"]


def test_custom_loss_and_optimizer_round_trip_once_registered(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "_CUSTOM", dict(registry._CUSTOM))

    @tinyframe.register
    class HalfSquaredError(SquaredError):
        pass

    @tinyframe.register
    class SlowDescent(GradientDescent):
        def __init__(self, learning_rate=0.01, factor=0.5):
            super().__init__(learning_rate * factor)
            self.factor = factor

        def get_config(self):
            return {"learning_rate": self.learning_rate / self.factor, "factor": self.factor}

    model = small_model(Sigmoid())
    model.compile(loss=HalfSquaredError(), optimizer=SlowDescent(0.2, factor=0.25))
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert type(loaded.loss) is HalfSquaredError and type(loaded.optimizer) is SlowDescent
    assert loaded.optimizer.get_config() == {"learning_rate": 0.2, "factor": 0.25}


# ------------------------------------------------------------------------------ saving refuses
def test_save_refuses_an_unregistered_class_before_writing(tmp_path):
    class Unregistered(Sigmoid):
        pass

    with pytest.raises(ValueError, match="Unregistered is not registered.*@tinyframe.register"):
        small_model(Unregistered()).save(tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_save_refuses_a_config_that_does_not_recreate_the_layer(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "_CUSTOM", dict(registry._CUSTOM))

    @tinyframe.register
    class Forgetful(Gain):
        def get_config(self):
            return {}

    @tinyframe.register
    class Liar(Gain):
        def get_config(self):
            return {"features": self.features + 1}

    @tinyframe.register
    class Opaque(Gain):
        def get_config(self):
            return {"features": self.features, "fn": print}

    with pytest.raises(ValueError, match="layer 1 \\(Forgetful\\) cannot be re-created from its get_config\\(\\) {}"):
        small_model(Forgetful(4)).save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="parameters and state have shapes {'g': \\(5,\\)}, expected {'g': \\(4,\\)}"):
        small_model(Liar(4)).save(tmp_path / "m.npz")
    with pytest.raises(TypeError, match="get_config\\(\\) must return JSON values"):
        small_model(Opaque(4)).save(tmp_path / "m.npz")
    with pytest.raises(TypeError, match="save: expected a tinyframe Model or Sequential"):
        tinyframe.saving.save_model("model", tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_folder_says_which(tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder .*nowhere' does not exist"):
        small_model(Sigmoid()).save(tmp_path / "nowhere" / "m.npz")


# ------------------------------------------------------------------------------ load_weights
def test_load_weights_fills_a_model_of_the_same_shapes_and_casts(tmp_path):
    X, y = data()
    model = small_model(Sigmoid())
    model.fit(X, y, epochs=2, verbose=0, batch_size=None)  # compiled: the file also holds optimizer state
    model.save(tmp_path / "m.npz")
    for dtype in ("float64", "float32"):
        other = small_model(Sigmoid(), dtype, seed=9)
        other.load_weights(tmp_path / "m.npz")
        assert all(np.array_equal(p, q.astype(dtype)) for p, q in zip(other.get_weights(), model.get_weights()))


def test_load_weights_refuses_another_architecture_and_changes_nothing(tmp_path):
    small_model(Sigmoid()).save(tmp_path / "m.npz")
    wider = Sequential([Dense(5, 6), Sigmoid(), Dense(6, 3), Sigmoid()], dtype="float64", seed=0)
    before = wider.get_weights()
    with pytest.raises(ValueError, match="array 'layers/0/W' must have shape \\(5, 6\\). Received: shape \\(5, 4\\)"):
        wider.load_weights(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="the file holds 4 layers .*; the model has 2"):
        Sequential([Dense(5, 4), Sigmoid()]).load_weights(tmp_path / "m.npz")
    assert all(np.array_equal(p, q) for p, q in zip(before, wider.get_weights()))


def test_model_bytes_are_the_file_s_bytes_and_read_back_with_the_file_s_checks(tmp_path):
    import io
    import zipfile

    from tinyframe.saving import model_from_bytes, model_to_bytes

    model = Sequential([Dense(3, 4, activation="tanh"), Dense(4, 2)], dtype="float64", seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 3)), np.zeros((8, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "m.npz")
    assert model_to_bytes(model, include_optimizer=True) == (tmp_path / "m.npz").read_bytes()
    same = model_from_bytes(model_to_bytes(model, include_optimizer=True))
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), same.get_weights()))
    assert same.optimizer.iterations == model.optimizer.iterations
    assert model_from_bytes(model_to_bytes(model)).optimizer is None  # scoring needs no optimizer
    buffer = io.BytesIO(model_to_bytes(model))
    with zipfile.ZipFile(buffer, "a") as archive:  # a pickled object array beside the weights
        with archive.open("extra.npy", "w") as member:
            np.lib.format.write_array(member, np.array([{}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"<sent>: the arrays do not match .* unexpected \['extra'\]"):
        model_from_bytes(buffer.getvalue(), name="<sent>")
    with pytest.raises(ValueError, match=r"<model bytes>: it is not a valid .npz"):
        model_from_bytes(b"PK" + bytes(10))
    with pytest.raises(TypeError, match=r"model_from_bytes: expected bytes .* Received: str"):
        model_from_bytes("m.npz")
