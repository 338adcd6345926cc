"""Functional models exported to ONNX: random graphs agree with ONNX Runtime; names, shared weights and refusals.

Agreement as in tests/test_onnx_models.py, output by output: ``|onnx - predict| <= rtol * |predict| +
rtol * max|predict|`` with rtol = 1e-5 in float32 and 1e-10 in float64 (1e-5 for a float64 graph that
runs some operators in float32, which its doc_string names). A random graph may subtract nearly equal
values, whose difference is rounding noise of their size, not of the result's: there the absolute part is
``rtol`` times the largest value the graph computes anywhere. And ``Dot(normalize=True)`` of a vector as
short as that noise gives the noise's direction: such examples are skipped (`conditioning`).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import tinyframe.onnx as tfo  # noqa: E402
from tinyframe import Input, Model, Sequential, ops  # noqa: E402
from tinyframe.activations import ReLU  # noqa: E402
from tinyframe.layers import (  # noqa: E402
    Add,
    Average,
    BatchNormalization,
    Concatenate,
    Conv1D,
    Conv2D,
    Dense,
    Dot,
    Embedding,
    Flatten,
    GlobalAveragePooling2D,
    Layer,
    Maximum,
    MaxPooling2D,
    Minimum,
    Multiply,
    Subtract,
)
from tinyframe.layers.merging import Merge  # noqa: E402

RTOL = {"float32": 1e-5, "float64": 1e-10}
ELEMENTWISE = [Add, Subtract, Multiply, Average, Maximum, Minimum]
dtypes = st.sampled_from(["float32", "float64"])


def agree(model: Model, X, largest: float = 0.0) -> onnx.ModelProto:
    """The exported graph passes the full check, and ONNX Runtime's outputs match predict's (module docstring).

    ``largest``: the largest value the graph computes, if the absolute tolerance is to be scaled to it.
    """
    proto = tfo.to_onnx(model)
    onnx.checker.check_model(proto, full_check=True)
    rtol = RTOL["float32" if proto.doc_string else model.dtype.name]
    y, y_onnx = model.predict(X), tfo.run(model, X)
    pairs = list(zip(y_onnx, y)) if isinstance(y, list) else [(y_onnx, y)]
    assert len(pairs) == len(proto.graph.output)
    for got, want in pairs:
        assert got.shape == want.shape and got.dtype == model.dtype
        scale = max(float(np.abs(want).max(initial=0.0)), largest)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale, err_msg=repr(model))
    return proto


def conditioning(model: Model, X) -> tuple[float, float]:
    """The largest |value| the graph computes (inputs and every node's output), and the shortest vector a
    ``Dot(normalize=True)`` scales to unit length, relative to that largest value."""
    xs = model.check_input(X)
    largest = [max(float(np.abs(x).max()) for x in (xs if isinstance(xs, list) else [xs]))]
    shortest = [np.inf]

    def observe(layer, x, y):
        largest.append(float(np.abs(y).max()))
        if isinstance(layer, Dot) and layer.normalize:
            for v, axis in zip(x, layer._dot_axes(x[0].ndim - 1, x[1].ndim - 1)):
                shortest.append(float(np.sqrt(np.sum(v * v, axis=axis)).min()))

    model.forward(xs, observe=observe)
    return max(largest), min(shortest) / max(largest)


def randomized(model: Model, seed: int) -> Model:
    """Every weight moved off its initial value (biases start at zero)."""
    rng = np.random.default_rng(seed)
    model.set_weights([np.asarray(w + rng.normal(0, 0.3, w.shape)) for w in model.get_weights()])
    return model


def random_inputs(model: Model, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    batch = int(rng.integers(1, 5))
    return [rng.normal(0, 1.5, (batch, *t.sample_shape)) for t in model.inputs]


@st.composite
def graphs(draw):
    """Inputs and outputs of a random graph: per-sample shapes ``(w,)`` and ``(T, w)`` mixed, so the
    elementwise merges broadcast; fan-out (a tensor drawn again), shared Dense layers, every merge layer
    (a Concatenate or a Dot followed by the Dense or Flatten that brings it back to width w), Conv1D branches."""
    w, T = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    inputs = [Input((T, w) if draw(st.booleans()) else (w,), name=f"in_{k}") for k in range(draw(st.integers(1, 3)))]
    pool, used, dense_at = [], set(), []  # tensors so far; ids of those consumed; (Dense, the shape it was built for)

    def take(t):
        used.add(id(t))
        return t

    def dense(t):
        layer = Dense(w, activation=draw(st.sampled_from([None, "tanh", "relu", "sigmoid"])))
        dense_at.append((layer, t.sample_shape))
        return layer(take(t))

    pool += [dense(t) for t in inputs]  # every input reaches an output
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["dense", "shared", "conv", "merge", "merge", "concat", "dot"]))
        pick = st.sampled_from(pool)
        sequences = [t for t in pool if len(t.sample_shape) == 2]
        if kind == "dense":
            out = dense(draw(pick))
        elif kind == "shared":
            layer, shape = draw(st.sampled_from(dense_at))
            out = layer(take(draw(st.sampled_from([t for t in inputs + pool if t.sample_shape == shape]))))
        elif kind == "conv" and sequences:
            conv = Conv1D(w, draw(st.integers(1, 3)), padding="same", activation=draw(st.sampled_from([None, "tanh"])))
            out = conv(take(draw(st.sampled_from(sequences))))
        elif kind in ("merge", "conv"):  # a conv with no sequence to take: a merge
            cls = draw(st.sampled_from(ELEMENTWISE))
            out = cls()([take(draw(pick)) for _ in range(2 if cls is Subtract else draw(st.integers(2, 3)))])
        elif kind == "concat":
            rank = len(draw(pick).sample_shape)
            axis = draw(st.sampled_from([-1, 1]))
            same = st.sampled_from([t for t in pool if len(t.sample_shape) == rank])
            joined = Concatenate(axis=axis)([take(draw(same)) for _ in range(draw(st.integers(2, 3)))])
            out = Dense(w)(joined) if axis == -1 or rank == 1 else Dense(w)(Flatten()(joined))
        else:
            x, y = take(draw(pick)), take(draw(pick))
            axes = {(1, 1): 1, (2, 1): (2, 1), (1, 2): (1, 2), (2, 2): draw(st.sampled_from([(2, 2), (1, 1)]))}
            product = Dot(axes[len(x.sample_shape), len(y.sample_shape)], normalize=draw(st.booleans()))([x, y])
            out = Dense(w)(product if len(product.sample_shape) == 1 else Flatten()(product))
        pool.append(out)
    ends = [t for t in pool if id(t) not in used]
    if len(ends) > 3:  # the rest joined into a third output
        ends = ends[:2] + [Concatenate()([Flatten()(t) for t in ends[2:]])]
    return inputs, ends


@given(dtypes, graphs(), st.integers(0, 2**16))
def test_random_graphs_agree_with_onnx_runtime(dtype, graph, seed):
    inputs, outputs = graph
    model = randomized(Model(inputs, outputs if len(outputs) > 1 else outputs[0], dtype=dtype, seed=seed), seed)
    X = random_inputs(model, seed)
    largest, shortest = conditioning(model, X)
    assume(shortest > 0.01)  # a normalized vector well above the rounding noise of the values around it
    proto = agree(model, X, largest)
    assert [i.name for i in proto.graph.input] == [t.name for t in inputs]
    names = [o.name for o in proto.graph.output]
    if len(outputs) == 1:
        assert names == ["output"]
    else:  # the output layers' names; a layer at two outputs (a shared Dense) gives "<name>_1" to the second
        assert len(set(names)) == len(names)
        assert all(n == layer or n.startswith(f"{layer}_") for n, layer in zip(names, model.output_names))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_merge_layer_with_keras_broadcasting(dtype):
    """(m, 4) against (m, 3, 4) and (m, 3, 1): the lower rank gets its size-1 axes after the batch axis."""
    row, grid, column = Input((4,), name="row"), Input((3, 4), name="grid"), Input((3, 1), name="column")
    merged = [cls()([row, grid, column] if cls is not Subtract else [row, grid]) for cls in ELEMENTWISE]
    both = Concatenate(axis=1)([merged[0], merged[1]])  # (m, 6, 4)
    outputs = [
        *merged,
        both,
        Dot(axes=(2, 1))([both, row]),  # (m, 6)
        Dot(axes=(1, 1), normalize=True)([grid, merged[2]]),  # (m, 4, 4): cosines
        Dot(axes=-1, normalize=True)([row, Dense(4)(row)]),  # (m, 1)
    ]
    model = randomized(Model([row, grid, column], outputs, dtype=dtype, seed=0), 0)
    X = {"row": np.linspace(-2, 2, 8).reshape(2, 4), "grid": np.arange(24.0).reshape(2, 3, 4) / 7 - 1}
    X["column"] = np.array([[[0.5], [-1.0], [2.0]], [[0.0], [1.0], [-0.5]]])
    proto = agree(model, X)
    shapes = [[d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in proto.graph.output]
    assert shapes[6:] == [["batch", 6, 4], ["batch", 6], ["batch", 4, 4], ["batch", 1]]


def test_dot_normalize_floors_the_norm_at_1e_7():
    """A zero vector (and one of norm below 1e-7) is divided by 1e-7, as the layer and Keras do: no NaN."""
    x, y = Input((3,), name="x"), Input((3,), name="y")
    model = Model([x, y], Dot(axes=1, normalize=True)([x, y]), dtype="float64", seed=0)
    X = [np.array([[0.0, 0.0, 0.0], [3e-8, 0.0, 4e-8], [1.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 1.0]] * 3)]
    got = tfo.run(model, X)
    np.testing.assert_allclose(got, [[0.0], [7e-8 / 1e-7 / np.sqrt(3)], [5 / 3 / np.sqrt(3)]], rtol=1e-12)
    np.testing.assert_allclose(got, model.predict(X), rtol=1e-12)


def test_a_residual_cnn_trained_on_digits_gives_the_same_labels():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X.reshape(-1, 8, 8, 1)[:600] / 16.0
    pixels = Input((8, 8, 1), name="pixels")
    x = Conv2D(8, 3, padding="same", activation="relu")(pixels)
    for _ in range(2):  # two residual blocks: x + conv(conv(x)), then ReLU
        h = Conv2D(8, 3, padding="same")(Conv2D(8, 3, padding="same", activation="relu")(x))
        x = ReLU()(Add()([x, BatchNormalization()(h)]))
    x = GlobalAveragePooling2D()(MaxPooling2D(2)(x))
    model = Model(pixels, Dense(10, activation="softmax")(x), name="residual_cnn", seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit(X, y[:600], epochs=2, batch_size=32, verbose=0)
    agree(model, X[:200])
    np.testing.assert_array_equal(tfo.run(model, X).argmax(axis=1), model.predict(X).argmax(axis=1))


def test_inputs_outputs_and_a_shared_layers_weights_are_named_once():
    left, right = Input((5,), name="left"), Input((5,), name="right")
    encoder = Dense(3, activation="tanh", name="encoder")
    distance = Subtract(name="distance")([encoder(left), encoder(right)])
    score = Dense(1, activation="sigmoid", name="score")(distance)
    model = Model([left, right], [score, distance, encoder(left)], seed=0)
    proto = agree(model, [np.ones((2, 5)), np.arange(10.0).reshape(2, 5) / 10])
    assert [i.name for i in proto.graph.input] == ["left", "right"]
    assert [o.name for o in proto.graph.output] == ["score", "distance", "encoder"] == model.output_names
    weights = sorted(i.name for i in proto.graph.initializer)
    assert weights == ["encoder/W", "encoder/b", "score/W", "score/b"]
    assert sum("encoder/W" in node.input for node in proto.graph.node) == 3  # one initializer, used at 3 nodes
    for value in proto.graph.input:
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch"


def test_one_output_is_called_output_and_taken_names_get_a_suffix():
    a = Input((3,), name="a")
    dense = Dense(3, name="d")
    model = Model(a, Dense(2)(a), seed=0)
    assert [o.name for o in tfo.to_onnx(model).graph.output] == ["output"]
    twice = Model(a, [a, dense(a), dense(dense(a)), a], seed=0)  # an input as output, one layer at two outputs
    proto = agree(twice, np.ones((2, 3)))
    assert [o.name for o in proto.graph.output] == ["a_1", "d", "d_1", "a_2"]


def test_an_input_feeding_only_embeddings_takes_int64_indices():
    """An input that also feeds a Dense takes floats (the model's dtype), Cast to int64 before the Gather."""
    words, codes = Input((3,), name="words", dtype="int32"), Input((3,), name="codes")
    shared = Embedding(10, 2, name="vocabulary")
    flat = [Flatten()(shared(words)), Flatten()(shared(codes)), Dense(6)(codes)]
    model = randomized(Model([words, codes], Add()(flat), seed=0), 1)
    proto = tfo.to_onnx(model)
    assert [i.type.tensor_type.elem_type for i in proto.graph.input] == [onnx.TensorProto.INT64, onnx.TensorProto.FLOAT]
    assert [i.name for i in proto.graph.initializer] == ["vocabulary/embeddings", "dense/W", "dense/b"]
    X = {"words": np.array([[0, 9, 3], [1, 1, 2]]), "codes": np.array([[4, 4, 0], [9, 8, 7]])}
    agree(model, X)
    with pytest.raises(ValueError, match=r"indices must be whole numbers in \[0, 10\)"):
        tfo.run(model, {**X, "words": np.array([[0, 10, 3], [1, 1, 2]])})


class ResidualBlock(Layer):
    """A composite layer: its call() of layers is inlined into the graph."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.inner = Dense(units, activation="relu")
        self.outer = Dense(units)

    def call(self, x):
        return Add()([x, self.outer(self.inner(x))])


def test_models_inside_models_and_composite_layers_export_as_their_layers():
    pixels = Input((6,))
    embedding = Model(pixels, Dense(4, activation="tanh", name="embed")(pixels), name="embedding", seed=0)
    a, b = Input((6,), name="a"), Input((6,), name="b")
    head = Sequential([Dense(3), Dense(2)])  # built by its call, in float32
    model = Model([a, b], head(ResidualBlock(4)(Subtract()([embedding(a), embedding(b)]))), seed=0)
    proto = agree(randomized(model, 0), [np.eye(6)[:3], np.ones((3, 6))])
    assert sum("embed/W" in node.input for node in proto.graph.node) == 2  # the inner model's layer, shared
    assert sum(i.name.endswith("/W") for i in proto.graph.initializer) == 5


class Sum(Merge):
    """A custom merge exported by its own to_onnx, which receives the list of its inputs' names."""

    op = np.add

    def gradients(self, xs, y, grad):
        return [grad] * len(xs)

    def to_onnx(self, builder, xs):
        assert builder.input_shape == [(2,), (2,)]
        return builder.op("Sum", *xs)


def test_a_custom_merge_gets_the_list_of_its_input_names():
    a, b = Input((2,)), Input((2,))
    agree(Model([a, b], Sum()([a, b]), dtype="float64", seed=0), [np.ones((2, 2)), np.eye(2)])


class NoExport(Layer):
    def forward(self, x, training=False):
        return x

    def backward(self, grad_out):
        return grad_out


class Linear(Layer):
    """Keras's custom-layer guide: a call() of ops."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2))

    def call(self, inputs):
        return ops.matmul(inputs, self.w)


def _op_model():
    x = Input((4,))
    return Model(x, Dense(2)(x) * 2.0, seed=0)


def _composite_op_model():
    x = Input((4,))
    return Model(x, Linear()(Dense(3)(x)), seed=0)


def _no_converter_model():
    x = Input((4,))
    return Model(x, Add()([x, NoExport(name="mine")(Dense(4)(x))]), seed=0)


@pytest.mark.parametrize(
    "make, match",
    [
        (_op_model, r"Cannot export node 1 \(multiply: \w+\) to ONNX: it is an op of tinyframe\.ops \(multiply\).*"
                    r"Build the model from layers"),
        (_composite_op_model, r"Cannot export node 1 \(matmul: \w+\) to ONNX: it is an op of tinyframe\.ops"),
        (_no_converter_model, r"Cannot export node 1 \(mine: NoExport\) to ONNX: tinyframe has no converter for "
                              r"NoExport; define to_onnx\(self, builder, x\)"),
    ],
)  # fmt: skip
def test_ops_and_layers_without_converter_are_refused_and_nothing_is_written(tmp_path, make, match):
    model = make()
    with pytest.raises(TypeError, match=match):
        model.export(tmp_path / "m.onnx")
    with pytest.raises(TypeError, match=match):
        tfo.to_onnx(model)
    assert os.listdir(tmp_path) == []


def test_a_subclassed_model_is_refused_built_or_not(tmp_path):
    class Net(Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Net(seed=0)
    match = r"to_onnx: 'net' is a subclassed Model, which cannot be exported.*build the same network as a functional"
    for _ in range(2):
        with pytest.raises(TypeError, match=rf"(?i){match}"):
            model.export(tmp_path / "m.onnx")
        with pytest.raises(TypeError, match=rf"(?i){match}"):
            tfo.check(model, np.ones((2, 3)))
        model.predict(np.ones((2, 3)))  # built now: refused the same
    assert os.listdir(tmp_path) == []
