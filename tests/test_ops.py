"""tinyframe.ops: each op's backward against central differences, and Keras-style layers (add_weight, call, ops)
trained inside subclassed and functional models; what cannot carry a gradient is refused, never taken as a constant."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Input, Model, gradcheck, ops
from tinyframe.layers import Dense, Layer
from tinyframe.losses import SquaredError
from tinyframe.ops.elementwise import Binary, Unary
from tinyframe.ops.linalg import MatMul
from tinyframe.ops.reduction import Reduce, Softmax
from tinyframe.ops.shape import Concatenate, Reshape, Stack, Transpose

from .strategies import arrays, record


def check_op(op, xs, seed=0):
    """Relative errors of ``op.backward`` against central differences of ``J = sum(r * op.forward(xs))``."""
    xs = [np.array(x, dtype=np.float64) for x in xs]
    r = np.random.default_rng(seed).standard_normal(op.forward(xs).shape)

    def J():
        return float(np.sum(r * op.forward(xs)))

    J0 = J()
    analytic = op.backward(r)
    assert len(analytic) == len(xs)
    return gradcheck.GradCheckResult(
        {
            f"x{k}": gradcheck.relative_error(g, gradcheck.numerical_gradient(J, x), J0)
            for k, (g, x) in enumerate(zip(analytic, xs))
        }
    )


shapes = st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast: the second drops leading axes or has 1s where the first has sizes."""
    a = draw(shapes)
    b = tuple(d if draw(st.booleans()) else 1 for d in a)[draw(st.integers(0, len(a) - 1)) :]
    return (a, b) if draw(st.booleans()) else (b, a)


@given(
    st.data(),
    st.sampled_from(["add", "subtract", "multiply", "divide", "maximum", "minimum", "power"]),
    broadcast_pair(),
)
def test_binary_ops_with_broadcasting(data, name, pair):
    low = 0.5 if name in ("divide", "power") else -2.0  # away from 0 for a divisor and a base
    a = data.draw(arrays(pair[0], low, 2.0))
    b = data.draw(arrays(pair[1], low, 2.0))
    if name in ("maximum", "minimum"):  # on two grids 0.05 apart: no ties, which a finite difference cannot cross
        a, b = np.round(a, 1) + 0.05, np.round(b, 1)
    record(f"ops.{name}", check_op(Binary(name), [a, b]))
    record(f"ops.{name} with a constant", check_op(Binary(name, constant=b, constant_first=False), [a]))


@given(
    st.data(),
    st.sampled_from(["exp", "log", "sqrt", "square", "abs", "negative", "relu", "sigmoid", "tanh", "softplus"]),
    shapes,
)
def test_unary_ops(data, name, shape):
    low = 0.2 if name in ("log", "sqrt") else -2.0
    x = data.draw(arrays(shape, low, 2.0))
    if name in ("abs", "relu"):
        x = np.where(np.abs(x) < 0.05, 0.5, x)  # away from the kink
    record(f"ops.{name}", check_op(Unary(name), [x]))


@given(st.data(), shapes, st.sampled_from(["sum", "mean", "max", "min"]), st.booleans())
def test_reductions_over_an_axis_or_all(data, shape, name, keepdims):
    x = data.draw(arrays(shape))
    x = x + np.arange(x.size).reshape(shape) * 1e-3  # no ties for max and min
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    record(f"ops.{name}", check_op(Reduce(name, axis, keepdims), [x]))


@given(st.data(), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.booleans())
def test_matmul_of_a_batch_and_a_weight_and_of_two_batches(data, m, k, n, batched):
    a = data.draw(arrays((m, k)))
    b = data.draw(arrays((2, k, n) if batched else (k, n)))
    record("ops.matmul", check_op(MatMul(), [a, b]))
    record("ops.matmul vector", check_op(MatMul(), [a, data.draw(arrays((k,)))]))


@given(st.data(), st.integers(1, 3), st.integers(1, 4))
def test_shape_ops_and_softmax(data, m, n):
    x, y = data.draw(arrays((m, n))), data.draw(arrays((m, 2)))
    record("ops.reshape", check_op(Reshape((-1, 1, n)), [x]))
    record("ops.transpose", check_op(Transpose((1, 0)), [x]))
    record("ops.concatenate", check_op(Concatenate(axis=-1), [x, y]))
    record("ops.stack", check_op(Stack(axis=1), [x, data.draw(arrays((m, n)))]))
    record("ops.softmax", check_op(Softmax(axis=-1), [x]))


def test_on_plain_arrays_ops_just_compute():
    x = np.array([[1.0, -2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(ops.relu(x), [[1.0, 0.0], [3.0, 4.0]])
    np.testing.assert_array_equal(ops.mean(x, axis=0), [2.0, 1.0])
    np.testing.assert_array_equal(ops.concatenate([x, x], axis=-1).shape, (2, 4))
    np.testing.assert_allclose(ops.softmax(np.zeros((1, 4))), np.full((1, 4), 0.25))
    assert ops.add(2.0, 3.0) == 5.0


# ------------------------------------------------------------ Keras-style layers
class Linear(Layer):
    """Keras's custom-layer guide's shape: weights made in build() with add_weight, a call() of ops."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


class Scaled(Model):
    def __init__(self):
        super().__init__(dtype="float64", seed=0)
        self.first, self.second = Linear(4), Linear(2)

    def call(self, x):
        h = np.tanh(self.first(x))  # a NumPy ufunc with an op: recorded as ops.tanh
        return self.second(h) * 2.0 - h.mean(axis=-1, keepdims=True) ** 2 + x @ np.ones((3, 2))  # a constant


def test_a_keras_style_layer_trains_inside_a_subclassed_model():
    model = Scaled()
    X = np.random.default_rng(0).uniform(-1, 1, (5, 3))
    model.build((3,))
    assert [layer.name for layer in model.layers] == ["linear", "linear_1"] and model.count_params() == 16 + 10
    model.compile(loss=SquaredError())
    record("keras-style layer, subclassed", gradcheck.check_model(model, X, np.full((5, 2), 0.5)))
    model.compile(loss="mse", optimizer="sgd")
    before = model.evaluate(X, np.full((5, 2), 0.5), verbose=0)
    model.fit(X, np.full((5, 2), 0.5), epochs=20, batch_size=5, verbose=0)
    assert model.evaluate(X, np.full((5, 2), 0.5), verbose=0) < before


def test_a_keras_style_layer_and_tensor_arithmetic_in_a_functional_model():
    inputs = Input((3,))
    linear = Linear(2)
    outputs = linear(inputs) * 2.0 + ops.mean(inputs, axis=-1, keepdims=True) - Dense(2)(inputs)
    model = Model(inputs, outputs, dtype="float64", seed=0)
    assert linear.dtype == np.float64 and linear in model.layers  # built again by the model, in its dtype
    model.compile(loss=SquaredError())
    X = np.random.default_rng(1).uniform(-1, 1, (4, 3))
    record("keras-style layer, functional", gradcheck.check_model(model, X, np.full((4, 2), 0.5)))
    assert [layer.name for layer in model.layers][:4] == ["input_layer", "matmul", "add", "multiply"]


def test_a_keras_style_layer_called_on_arrays_computes():
    layer = Linear(2)
    y = layer(np.ones((3, 4)))
    assert y.shape == (3, 2) and layer.built and [w.shape for w in layer.weights] == [(4, 2), (2,)]
    assert layer.count_params() == 10 and len(layer.trainable_weights) == 2


def test_add_weight_in_init_and_non_trainable_weights():
    class Counter(Layer):
        def __init__(self):
            super().__init__()
            self.total = self.add_weight(shape=(2,), initializer="zeros", trainable=False, name="total")
            self.scale = self.add_weight(shape=(2,), initializer="ones", name="scale")

        def call(self, x):
            return x * self.scale

    layer = Counter()
    assert layer.built and layer.non_trainable_weights[0] is layer.total and layer.trainable_weights == [layer.scale]
    with pytest.raises(ValueError, match="regularizer and constraint are not supported"):
        layer.add_weight(shape=(1,), regularizer="l2")


# ------------------------------------------------------------------- refusals
def test_what_the_record_cannot_follow_is_refused_not_taken_as_a_constant():
    class Slices(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(2, name="dense")

        def call(self, x):
            return self.dense(x[:, :2])  # a slice: no op records it

    with pytest.raises(TypeError, match=r"layer 'dense' received an array that no layer call made"):
        Slices().predict(np.ones((3, 4)))

    class Sine(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(2)

        def call(self, x):
            return ops.add(np.sin(self.dense(x)), 1.0)  # np.sin has no op: its result cannot be followed

    with pytest.raises(TypeError, match="an op received an array that no layer call made"):
        Sine().predict(np.ones((3, 4)))


def test_a_numpy_function_on_a_symbolic_tensor_names_the_op_to_use():
    x = Input((2,))
    with pytest.raises(TypeError, match=r"Use tinyframe.ops \(ops.concatenate"):
        np.concatenate([x, x], axis=-1)


def test_a_functional_model_with_ops_refuses_to_save(tmp_path):
    inputs = Input((2,))
    model = Model(inputs, Dense(1)(inputs) * 2.0)
    with pytest.raises(TypeError, match="uses tinyframe.ops .* which saved files do not describe yet"):
        model.save(tmp_path / "m.npz")


def test_a_lambda_of_ops_trains_in_a_graph_and_refuses_to_save(tmp_path):
    """Keras's Siamese example's distance: a Lambda of ops between two shared encoders, gradient-checked."""
    from tinyframe.layers import Lambda

    def distance(pair):
        a, b = pair
        return ops.sqrt(ops.maximum(ops.sum(ops.square(a - b), axis=1, keepdims=True), 1e-7))

    left, right = Input((3,)), Input((3,))
    encoder = Dense(2, activation="tanh")
    model = Model([left, right], Lambda(distance)([encoder(left), encoder(right)]), dtype="float64", seed=0)
    model.compile(loss=SquaredError())
    rng = np.random.default_rng(4)
    X = [rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (4, 3))]
    record("lambda distance", gradcheck.check_model(model, X, np.full((4, 1), 0.25)))
    with pytest.raises(TypeError, match="uses tinyframe.ops"):
        model.save(tmp_path / "m.npz")
    with pytest.raises(TypeError, match="function must be callable"):
        Lambda(3)


def test_constants_made_by_ops():
    assert ops.ones((2, 3)).shape == (2, 3) and ops.zeros((1,)).dtype == np.float32
    np.testing.assert_array_equal(ops.full((2,), 7.0), [7.0, 7.0])
    assert ops.shape(Input((3, 4))) == (None, 3, 4)
