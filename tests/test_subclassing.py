"""Subclassed models and composite layers: call() composes layers, recorded as it runs (define-by-run).

Gradients of random programs (composite blocks, a layer called twice, Python loops and
branches, two inputs) against central differences; a subclassed model trains bit for bit as
the same Sequential; what the record cannot see is refused.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Input, Model, Sequential, gradcheck
from tinyframe.activations import Sigmoid, Tanh
from tinyframe.layers import Add, Dense, Dropout, Layer, Multiply
from tinyframe.losses import SquaredError
from tinyframe.optimizers import GradientDescent

from .strategies import arrays, batch_sizes, record, seeds


class Residual(Layer):
    """A composite layer: two Dense layers and a skip, no backward of its own."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.inner = Dense(units, activation="tanh")
        self.outer = Dense(units)

    def call(self, x, training=False):
        return Add()([x, self.outer(self.inner(x))])


class MLP(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(30, activation="sigmoid")
        self.out = Dense(10, activation="sigmoid")

    def call(self, inputs):
        return self.out(self.hidden(inputs))


def test_a_subclassed_model_trains_bit_for_bit_as_the_same_sequential():
    """Built by its first data in call order from the same seed: the same weights, the same shuffles, the same steps."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 64)), rng.integers(0, 10, 50)
    line = Sequential([Input((64,)), Dense(30, activation="sigmoid"), Dense(10, activation="sigmoid")], seed=3)
    sub = MLP(seed=3)
    for model in (line, sub):
        model.compile(loss="mse", optimizer="adam", metrics=["accuracy"])
    h1 = line.fit(X, y, epochs=3, batch_size=8, verbose=0)
    h2 = sub.fit(X, y, epochs=3, batch_size=8, verbose=0)
    assert h1.history == h2.history
    for w1, w2 in zip(line.get_weights(), sub.get_weights()):
        np.testing.assert_array_equal(w1, w2)
    assert [layer.name for layer in sub.layers] == ["dense", "dense_1"] and sub.count_params() == 64 * 30 + 30 + 310


# ------------------------------------------------------------------- gradients
class Program(Model):
    """Runs a drawn list of steps in call(): layers and composite blocks, some called again, in a loop."""

    def __init__(self, steps, width, n_out, two_inputs, **kwargs):
        super().__init__(**kwargs)
        self.steps, self.two_inputs = steps, two_inputs
        self.blocks = [Residual(width) for _ in range(2)]
        self.denses = [Dense(width, activation="tanh") for _ in range(2)]
        self.squash = Tanh()
        self.head = Dense(n_out)

    def call(self, inputs, training=False):
        xs = list(inputs) if self.two_inputs else [inputs]
        for kind, i, j in self.steps:
            a, b = xs[i % len(xs)], xs[j % len(xs)]
            if kind == "block":
                xs.append(self.blocks[j % 2](a))
            elif kind == "dense":
                xs.append(self.denses[j % 2](a))
            elif kind == "squash":
                xs.append(self.squash(a))
            else:
                xs.append(Multiply()([a, b]))
        return self.head(Add()(xs) if len(xs) > 1 else xs[0])


steps = st.lists(
    st.tuples(st.sampled_from(["block", "dense", "squash", "multiply"]), st.integers(0, 9), st.integers(0, 9)),
    min_size=1,
    max_size=5,
)


@given(st.data(), steps, st.integers(1, 3), st.integers(1, 2), st.booleans(), batch_sizes, seeds)
def test_random_programs_have_the_gradients_of_central_differences(data, program, width, n_out, two, m, seed):
    model = Program(program, width, n_out, two, dtype="float64", seed=seed)
    X = [data.draw(arrays((m, width))) for _ in range(2 if two else 1)]
    x = X if two else X[0]
    model.build([(width,)] * 2 if two else (width,))
    assert all(layer.built for layer in model.layers)  # a layer the drawn program never calls is not listed
    model.compile(loss=SquaredError())
    record("program", gradcheck.check_model(model, x, data.draw(arrays((m, n_out), 0.25, 1))))


def test_a_frozen_composite_layer_freezes_its_layers_and_one_step_follows_the_gradient():
    class Net(Model):
        def __init__(self):
            super().__init__(dtype="float64", seed=0)
            self.first, self.second = Residual(3), Residual(3)
            self.head = Dense(1)

        def call(self, x):
            return self.head(self.second(self.first(x)))

    model = Net()
    X, Y = np.random.default_rng(0).uniform(-1, 1, (6, 3)), np.full((6, 1), 0.5)
    model.build((3,))
    model.first.trainable = False
    assert not model.first.inner.trainable and model.first.trainable_weights == []
    assert len(model.first.non_trainable_weights) == 4 and model.first.count_params() == 2 * (9 + 3)
    lr = 0.1
    model.compile(loss=SquaredError(), optimizer=GradientDescent(lr))

    def J():
        return float(model.loss.forward(model.forward(X), Y))

    J0 = J()
    numeric = [gradcheck.numerical_gradient(J, p) for p in model.params]
    before = [p.copy() for p in model.params]
    model.train_on_batch(X, Y)
    frozen = {id(p) for layer in (model.first.inner, model.first.outer) for p in layer.params.values()}
    for old, new, grad, p in zip(before, model.params, numeric, model.params):
        if id(p) in frozen:
            np.testing.assert_array_equal(old, new)
        else:
            record(
                "subclassed step",
                gradcheck.GradCheckResult({"w": gradcheck.relative_error((old - new) / lr, grad, J0)}),
            )


def test_dict_inputs_and_training_only_branches_reach_call_as_keras_passes_them():
    class TwoInputs(Model):
        def __init__(self):
            super().__init__(seed=0)
            self.a, self.b, self.drop, self.out = Dense(4), Dense(4), Dropout(0.5), Dense(1)

        def call(self, inputs, training=False):
            h = Add()([self.a(inputs["left"]), self.b(inputs["right"])])
            if training:  # Python control flow: the record is what ran
                h = self.drop(h)
            return self.out(h)

    model = TwoInputs()
    X = {"left": np.ones((8, 2)), "right": np.ones((8, 3))}
    model.compile(loss="mse", optimizer="sgd")
    model.fit(X, np.zeros((8, 1)), epochs=2, batch_size=4, verbose=0)
    inference = model.predict(X)
    np.testing.assert_array_equal(inference, model.predict(X))  # no dropout outside training
    with pytest.raises(ValueError, match=r"the model was built for inputs \{'left': \(2,\), 'right': \(3,\)\}"):
        model.predict({"left": np.ones((8, 2)), "right": np.ones((8, 2))})


# ------------------------------------------------------------------- refusals
def test_arithmetic_between_layer_calls_is_recorded_as_ops():
    """``x * 2`` and ``a(x) + b(x)`` on recorded arrays are tinyframe.ops, trained through (Keras's operators)."""

    class Sums(Model):
        def __init__(self):
            super().__init__(dtype="float64", seed=0)
            self.a, self.b = Dense(3, activation="tanh"), Dense(3)

        def call(self, x):
            return self.a(x * 2.0) + self.b(x) ** 2 - x

    model = Sums()
    model.compile(loss=SquaredError())
    X = np.random.default_rng(2).uniform(-1, 1, (4, 3))
    record("operators", gradcheck.check_model(model, X, np.full((4, 3), 0.5)))
    a, b = model.a, model.b
    expected = np.tanh((2 * X) @ a.params["W"] + a.params["b"]) + (X @ b.params["W"] + b.params["b"]) ** 2 - X
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-12)


def test_a_layer_with_weights_first_called_after_the_build_and_saving_are_refused(tmp_path):
    class Late(Model):
        def __init__(self):
            super().__init__()
            self.used, self.spare, self.drop = Dense(2), Dense(2, name="spare"), Dropout(0.5)

        def call(self, x, training=False):
            return self.spare(self.drop(self.used(x))) if training else self.used(x)

    model = Late()
    model.compile(loss="mse", optimizer="sgd")
    assert model.predict(np.ones((2, 3))).shape == (2, 2) and [layer.name for layer in model.layers] == ["dense"]
    with pytest.raises(ValueError, match="'spare' was not called when the model was built .* its weights are not"):
        model.fit(np.ones((2, 3)), np.ones((2, 2)), verbose=0)
    model = MLP()
    model.predict(np.ones((2, 64)))
    with pytest.raises(TypeError, match="MLP is a subclassed Model: its architecture is its code"):
        model.save(tmp_path / "m.npz")
    with pytest.raises(TypeError, match="composes other layers in its call"):
        Sequential([Input((3,)), Residual(3)])


def test_an_unbuilt_subclassed_model_says_how_to_build_it():
    with pytest.raises(ValueError, match=r"not built yet, .* or build\(input_shape\) first"):
        MLP().get_weights()


# ------------------------------------------------------------ composite layers
def test_a_composite_layer_counts_and_trains_its_layers_in_a_functional_model():
    inputs = Input((3,))
    block = Residual(3)
    model = Model(inputs, Dense(1)(block(block(inputs))), dtype="float64", seed=0)  # the block shared: twice
    assert block.count_params() == 2 * (9 + 3) and len(block.trainable_weights) == 4
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Dense", "Add", "Add", "Dense"]
    model.compile(loss=SquaredError())
    X = np.random.default_rng(0).uniform(-1, 1, (4, 3))
    record("composite in a graph", gradcheck.check_model(model, X, np.full((4, 1), 0.5)))


def test_predict_from_several_threads_gives_the_single_threaded_answer():
    model = Program([("block", 0, 0), ("dense", 1, 1), ("block", 2, 0)], 6, 2, False, seed=0)
    X = np.random.default_rng(0).standard_normal((200, 6)).astype(np.float32)
    expected = model.predict(X, batch_size=32)
    results = [None] * 6

    def work(k):
        for _ in range(4):
            results[k] = model.predict(X, batch_size=32)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)


def test_an_activation_layer_called_in_call_is_recorded_like_any_layer():
    class Squash(Model):
        def __init__(self):
            super().__init__(dtype="float64", seed=0)
            self.dense, self.act = Dense(2), Sigmoid()

        def call(self, x):
            return self.act(self.dense(self.act(x)))  # one activation layer, called twice

    model = Squash()
    model.compile(loss=SquaredError())
    X = np.random.default_rng(3).uniform(-2, 2, (3, 2))
    record("activation twice", gradcheck.check_model(model, X, np.full((3, 2), 0.5)))


def test_a_layer_hiding_a_sublayers_weights_is_refused_before_training_not_left_untrained():
    """A forward-style layer that keeps a Dense without listing its weights trained nothing (a constant loss)."""

    class Wrapper(Layer):
        def __init__(self):
            super().__init__(name="wrapper")
            self.inner = Dense(3)

        def build(self, input_shape):
            self.inner.build(input_shape, dtype=self.dtype, rng=self.rng)

        def compute_output_shape(self, input_shape):
            return (3,)

        def forward(self, x, training=False):
            return self.inner.forward(x)

        def backward(self, grad_out):
            return self.inner.backward(grad_out)

    model = Sequential([Input((4,)), Wrapper(), Dense(1)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"wrapper \(Wrapper\) holds the layer .* no optimizer would train them"):
        model.fit(np.ones((4, 4)), np.zeros((4, 1)), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_a_layer_called_on_an_empty_list_says_so():
    with pytest.raises(ValueError, match="called on an empty list"):
        Dense(2)([])  # it was an IndexError (found by fuzzing Keras-format files)


def test_two_layers_given_one_name_are_refused_at_the_build():
    """A layer's name keys its optimizer state and its place in files: two of one name would share them."""

    class Twice(Model):
        def __init__(self):
            super().__init__()
            self.a, self.b = Dense(4, name="same"), Dense(2, name="same")

        def call(self, x):
            return self.b(self.a(x))

    model = Twice()
    with pytest.raises(ValueError, match="layer names must be unique; two layers are called 'same'"):
        model.build((3,))
    assert not model.built
