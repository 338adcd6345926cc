"""Keras's activation functions: values against Keras (skipped without it), as Dense(activation=fn), saved, imported."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

from tinyframe import Input, Sequential, activations, load_model
from tinyframe.activations import ELU, GELU, SELU, LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Swish, Tanh
from tinyframe.layers import Activation, Dense

FUNCTIONS = {  # Keras's function -> the layer Dense(activation=fn) gets
    "relu": ReLU(),
    "sigmoid": Sigmoid(),
    "tanh": Tanh(),
    "softmax": Softmax(),
    "gelu": GELU(),
    "elu": ELU(),
    "selu": SELU(),
    "softplus": Softplus(),
    "silu": Swish(),
    "swish": Swish(),
    "leaky_relu": LeakyReLU(0.2),  # Keras's function slope, not the layer's 0.3
    "linear": None,
}
CALLS = [  # (name, keyword arguments): the functions at their defaults, and a common other value
    *((name, {}) for name in FUNCTIONS),
    ("softmax", {"axis": 0}),
    ("gelu", {"approximate": True}),
    ("elu", {"alpha": 0.5}),
    ("leaky_relu", {"negative_slope": 0.1}),
]


def test_the_functions_by_hand():
    x = np.array([[-2.0, 0.0, 1.5]])
    assert activations.relu(x).tolist() == [[0.0, 0.0, 1.5]]
    assert activations.leaky_relu(x).tolist() == [[-0.4, 0.0, 1.5]]
    assert activations.elu(x, alpha=0.5) == pytest.approx(np.array([[0.5 * math.expm1(-2.0), 0.0, 1.5]]))
    assert activations.sigmoid(x) == pytest.approx(np.array([[1 / (1 + math.exp(2.0)), 0.5, 1 / (1 + math.exp(-1.5))]]))
    assert activations.silu(x) == pytest.approx(x * activations.sigmoid(x))
    assert activations.softmax([[0.0, math.log(3.0)]]).tolist() == [[0.25, 0.75]]
    assert activations.softmax([[0.0], [math.log(3.0)]], axis=0).tolist() == [[0.25], [0.75]]
    assert activations.linear([1, 2]).tolist() == [1.0, 2.0]
    assert activations.swish is activations.silu  # one function, two names, as in Keras


def test_numpy_in_numpy_out():
    x = np.array([[-1.0, 2.0]], dtype=np.float32)
    for name in FUNCTIONS:
        y = getattr(activations, name)(x)
        assert type(y) is np.ndarray and y.dtype == np.float32 and y.shape == x.shape, name
        assert not np.shares_memory(y, x)
    assert x.tolist() == [[-1.0, 2.0]]  # the input is left alone
    assert activations.relu([1, -1]).dtype == np.float64  # ints and lists are read as float64
    assert activations.tanh(np.float64(0.5)) == pytest.approx(math.tanh(0.5))  # a number: a 0-d array
    assert activations.relu(np.zeros((0, 3))).shape == (0, 3)
    with pytest.raises(ValueError, match="softmax: x must have at least one axis"):
        activations.softmax(1.0)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_dense_takes_the_function_saves_and_loads_it(name, tmp_path):
    fn = getattr(activations, name)
    layer = Dense(3, activation=fn)
    expected = FUNCTIONS[name]
    assert repr(layer.activation) == repr(expected)
    assert repr(Activation(fn)) == repr(expected or activations.Identity())  # the Activation layer too
    model = Sequential([Input((4,)), layer], dtype="float64", seed=0)
    X = np.random.default_rng(0).normal(size=(5, 4))
    W, b = model.get_weights()
    np.testing.assert_allclose(model.predict(X), fn(X @ W + b), rtol=1e-14, atol=1e-15)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.layers[0].get_config() == layer.get_config()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    saved = layer.get_config().get("activation")  # by name, except where the name means other settings
    assert saved == (None if name == "linear" else activations.serialize(expected))
    if name != "leaky_relu":
        assert saved is None or isinstance(saved, str)


def test_the_functions_are_not_shadowed_by_their_modules():
    """Each function has its class's module name: the package attribute is the function, the module
    still imports, and the classes import from either place."""
    module = importlib.import_module("tinyframe.activations.relu")
    assert callable(activations.relu) and not isinstance(activations.relu, type(module))
    from tinyframe.activations import ReLU as from_package
    from tinyframe.activations.gelu import CUBIC  # what tinyframe.onnx reads from a module
    from tinyframe.activations.relu import ReLU as from_module

    assert from_package is from_module is module.ReLU and CUBIC == 0.044715
    for name in FUNCTIONS:
        assert getattr(activations, name).__name__ in (name, "silu"), name
    with pytest.raises(ValueError, match=r"Unknown activation: .*the function of that name from tinyframe"):
        Dense(3, activation=lambda x: x)  # a function of one's own: a file could not name it

    def relu(x):  # another module's relu (Keras's, say) is not taken for tinyframe's by its name
        return 2 * x

    with pytest.raises(ValueError, match=r"another module's 'relu': pass 'relu' or tinyframe.activations.relu\)"):
        Dense(3, activation=relu)


@pytest.mark.parametrize(
    ("name", "kwargs"), CALLS, ids=[n + "".join(f"-{k}={v}" for k, v in kw.items()) for n, kw in CALLS]
)
def test_the_functions_match_keras(keras, name, kwargs):
    x = np.concatenate([np.linspace(-12.0, 12.0, 25), [-1e-3, 0.0, 1e-3]]).reshape(4, 7)
    theirs = _numpy(getattr(keras.activations, name)(x, **kwargs))  # float64 in, float64 out
    ours = getattr(activations, name)(x, **kwargs)
    assert ours.dtype == theirs.dtype == np.float64
    # atol: torch's gelu is 0.5 x (1 + erf(x / sqrt 2)), which cancels to 0 in the left tail where ours (erfc) does not
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_dense_with_the_function_matches_keras_dense(keras, name):
    x = np.random.default_rng(0).normal(size=(5, 4))
    theirs = keras.layers.Dense(3, activation=getattr(keras.activations, name))
    expected = _numpy(theirs(x.astype(np.float32)))
    ours = Sequential([Input((4,)), Dense(3, activation=getattr(activations, name))], seed=0)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(ours.predict(x), expected, rtol=1e-5, atol=1e-6)  # both in float32


def _numpy(tensor):
    """A Keras (torch) result as a NumPy array; ``linear`` hands back its NumPy input as it is."""
    return tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else np.asarray(tensor)
