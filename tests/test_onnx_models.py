"""Random models of every exportable layer kind agree with ONNX Runtime (Hypothesis builds them).

Agreement: ``|onnx - predict| <= rtol * |predict| + rtol * max|predict|`` elementwise (the
absolute part scaled to the output's magnitude), with rtol = 1e-5 in float32 and 1e-10 in
float64. A float64 graph that computes some operators in float32 (Conv, AveragePool, Erf:
ONNX Runtime has no float64 kernel for them; the proto's doc_string names them) is held to
float32's 1e-5. The worst ``max|onnx - predict| / max|predict|`` of each family and dtype
is printed when the module ends.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

import tinyframe.onnx as tfo  # noqa: E402
from tinyframe import Sequential  # noqa: E402
from tinyframe.layers import (  # noqa: E402
    GRU,
    LSTM,
    AveragePooling1D,
    AveragePooling2D,
    BatchNormalization,
    Bidirectional,
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Cropping1D,
    Cropping2D,
    Dense,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    Input,
    LayerNormalization,
    MaxPooling1D,
    MaxPooling2D,
    Normalization,
    RepeatVector,
    Rescaling,
    Reshape,
    SimpleRNN,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)

from .strategies import ELEMENTWISE  # noqa: E402

RTOL = {"float32": 1e-5, "float64": 1e-10}
WORST: dict[str, float] = {}
dtypes = st.sampled_from(["float32", "float64"])
small = st.integers(1, 4)
ACTIVATIONS = [None, "sigmoid", "relu", "leaky_relu", "tanh", "elu", "selu", "gelu", "swish", "softplus"]


@pytest.fixture(scope="module", autouse=True)
def report_worst():
    yield
    print("\nworst max|onnx - predict| / max|predict|:", {k: f"{v:.1e}" for k, v in sorted(WORST.items())})


def agree(family: str, model: Sequential, X: np.ndarray) -> None:
    """ONNX Runtime's outputs for X match predict's within the dtype's tolerance (see the module docstring)."""
    y, y_onnx = model.predict(X), tfo.run(model, X)
    assert y_onnx.shape == y.shape and y_onnx.dtype == model.dtype
    in_float32 = tfo.to_onnx(model).doc_string != ""
    rtol = RTOL["float32" if in_float32 else model.dtype.name]
    scale = float(np.abs(y).max(initial=0.0))
    key = f"{family} {model.dtype.name}{' (float32 ops)' if in_float32 else ''}"
    WORST[key] = max(WORST.get(key, 0.0), float(np.abs(y_onnx - y).max(initial=0.0)) / max(scale, 1e-300))
    np.testing.assert_allclose(y_onnx, y, rtol=rtol, atol=rtol * scale, err_msg=repr(model))


def randomized(model: Sequential, seed: int) -> Sequential:
    """Every weight moved off its initial value (biases are zeros, statistics 0 and 1 at first)."""
    rng = np.random.default_rng(seed)
    weights = [np.asarray(w + rng.normal(0, 0.3, w.shape)) for w in model.get_weights()]  # 0-d stays an array
    for layer_weights, layer in zip(_per_layer(weights, model), model.layers):
        if isinstance(layer, BatchNormalization):
            layer_weights[-1][...] = np.abs(layer_weights[-1]) + 0.5  # a variance stays positive
        if isinstance(layer, Normalization):  # mean, variance, count: the variance positive, the count too
            layer_weights[1][...] = np.abs(layer_weights[1]) + 0.5
            layer_weights[2][...] = np.abs(layer_weights[2]) + 1.0
    model.set_weights(weights)
    return model


def _per_layer(weights: list, model: Sequential) -> list[list]:
    out, i = [], 0
    for layer in model.layers:
        n = len(layer.params) + len(layer.state)
        out.append(weights[i : i + n])
        i += n
    return out


def inputs(seed: int, shape: tuple, scale: float = 2.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, scale, shape)


@given(dtypes, st.lists(st.tuples(small, st.sampled_from(ACTIVATIONS), st.sampled_from(sorted(ELEMENTWISE))),
                        min_size=1, max_size=3), small, small, st.integers(0, 2**16))  # fmt: skip
def test_dense_stacks_with_every_activation(dtype, blocks, n_in, batch, seed):
    layers = [Input((n_in,))]
    for units, activation, after in blocks:
        layers += [Dense(units, activation=activation), ELEMENTWISE[after](units)]
    model = randomized(Sequential(layers, dtype=dtype, seed=seed), seed)
    agree("dense", model, inputs(seed, (batch, n_in)))


@st.composite
def conv_stacks(draw):
    rank = draw(st.sampled_from([1, 2]))
    spatial = tuple(draw(st.integers(3, 8)) for _ in range(rank))
    conv, pools = (
        (Conv1D, (MaxPooling1D, AveragePooling1D)) if rank == 1 else (Conv2D, (MaxPooling2D, AveragePooling2D))
    )
    layers = [Input((*spatial, draw(small)))]
    for _ in range(draw(st.integers(1, 2))):
        if draw(st.booleans()):  # explicit zeros first (PyTorch's padding=1), in any of Keras's forms
            layers.append((ZeroPadding1D if rank == 1 else ZeroPadding2D)(draw(st.integers(0, 2))))
        dilated = draw(st.booleans())  # strides > 1 or dilation > 1, as Keras allows
        layers.append(
            conv(
                draw(small),
                tuple(draw(st.integers(1, 3)) for _ in range(rank)),
                strides=1 if dilated else draw(st.integers(1, 2)),
                dilation_rate=draw(st.integers(1, 2)) if dilated else 1,
                padding=draw(st.sampled_from(["same", "valid", "causal"] if rank == 1 else ["same", "valid"])),
                activation=draw(st.sampled_from(ACTIVATIONS)),
                use_bias=draw(st.booleans()),
            )
        )
        if draw(st.booleans()):
            strides = draw(st.none() | st.integers(1, 3))
            layers.append(
                draw(st.sampled_from(pools))(draw(st.integers(1, 3)), strides, draw(st.sampled_from(["same", "valid"])))
            )
    glob = {1: (GlobalAveragePooling1D, GlobalMaxPooling1D), 2: (GlobalAveragePooling2D, GlobalMaxPooling2D)}[rank]
    end = draw(st.sampled_from(["flatten", "global", "global_keepdims"]))
    layers.append(Flatten() if end == "flatten" else draw(st.sampled_from(glob))(keepdims=end == "global_keepdims"))
    layers.append(Dense(draw(small), activation=draw(st.sampled_from([None, "softmax"]))))
    return layers  # fmt: skip


@given(dtypes, conv_stacks(), small, st.integers(0, 2**16))
def test_conv_and_pooling_stacks(dtype, layers, batch, seed):
    try:
        model = Sequential(layers, dtype=dtype, seed=seed)
    except ValueError:  # a "valid" window larger than what is left: no such model
        assume(False)
    model = randomized(model, seed)
    agree("conv", model, inputs(seed, (batch, *model.input_shape)))


@st.composite
def upsampling_stacks(draw):
    """A decoder: 1 or 2 transposed convolutions or UpSampling layers, each maybe cropped after, from images or
    from a vector repeated into a sequence. Sizes stay small (kernels and strides up to 3, upsampling up to 2),
    so the float32 sum of the last Dense stays within the tolerance of `agree`."""
    rank = draw(st.sampled_from([1, 2]))
    transpose, upsampling, cropping = (
        (Conv1DTranspose, UpSampling1D, Cropping1D) if rank == 1 else (Conv2DTranspose, UpSampling2D, Cropping2D)
    )
    shape = (*(draw(st.integers(1, 3)) for _ in range(rank)), draw(small))
    layers = [Input(shape)]
    if rank == 1 and draw(st.booleans()):
        layers = [Input(shape[1:]), RepeatVector(shape[0])]
    for _ in range(draw(st.integers(1, 2))):
        if draw(st.booleans()):
            kernel, strides = (tuple(draw(st.integers(1, 3)) for _ in range(rank)) for _ in range(2))
            padding, activation = draw(st.sampled_from(["valid", "same"])), draw(st.sampled_from(ACTIVATIONS))
            layers.append(
                transpose(draw(small), kernel, strides, padding, activation=activation, use_bias=draw(st.booleans()))
            )
        else:
            layers.append(upsampling(tuple(draw(st.integers(1, 2)) for _ in range(rank))))
        shape = layers[-1].compute_output_shape(shape)
        if draw(st.booleans()):  # at least one position left on every axis
            before = [draw(st.integers(0, n - 1)) for n in shape[:-1]]
            layers.append(cropping([(a, draw(st.integers(0, n - 1 - a))) for a, n in zip(before, shape[:-1])]))
            shape = layers[-1].compute_output_shape(shape)
    return [*layers, Flatten(), Dense(draw(small))]  # fmt: skip


@given(dtypes, upsampling_stacks(), small, st.integers(0, 2**16))
def test_upsampling_cropping_and_transposed_convolution_stacks(dtype, layers, batch, seed):
    model = randomized(Sequential(layers, dtype=dtype, seed=seed), seed)
    agree("upsampling", model, inputs(seed, (batch, *model.input_shape)))


RECURRENT_ACTIVATIONS = ["tanh", "sigmoid", "relu", "gelu", "swish", "selu", "elu", "softplus", None]


CELLS = st.tuples(
    st.sampled_from([SimpleRNN, GRU, LSTM]),
    small,
    st.sampled_from(RECURRENT_ACTIVATIONS),
    st.sampled_from(["sigmoid", "tanh", "relu"]),
)


MERGES = st.sampled_from([None, "concat", "sum", "ave", "mul"])  # None: the cell alone, else Bidirectional


@given(dtypes, st.lists(st.tuples(CELLS, MERGES), min_size=1, max_size=2), st.booleans(), small,
       st.integers(1, 5), small, st.integers(0, 2**16))  # fmt: skip
def test_recurrent_stacks(dtype, cells, sequences_out, features, steps, batch, seed):
    layers = [Input((steps, features))]
    for i, ((cls, units, activation, gate), merge) in enumerate(cells):
        last = i == len(cells) - 1
        kwargs = {"return_sequences": sequences_out or not last}
        args = (units, activation) if cls is SimpleRNN else (units, activation, gate)
        layers.append(cls(*args, **kwargs) if merge is None else Bidirectional(cls(*args, **kwargs), merge))
    layers.append(Dense(2))
    model = randomized(Sequential(layers, dtype=dtype, seed=seed), seed)
    agree("recurrent", model, inputs(seed, (batch, steps, features), scale=1.0))


@given(dtypes, st.integers(2, 4), st.integers(2, 4), st.sampled_from([-1, 1, 2]),
       st.sampled_from([-1, [-2, -1], 1]), st.booleans(), small, st.integers(0, 2**16))  # fmt: skip
def test_normalization_and_reshaping_stacks(dtype, rows, cols, bn_axis, ln_axis, center, batch, seed):
    layers = [
        Input((rows, cols)),
        BatchNormalization(axis=bn_axis, center=center),
        LayerNormalization(axis=ln_axis, scale=center),
        Reshape((cols, -1)),
        Flatten(),
        Dense(3),
        BatchNormalization(epsilon=0.1),
    ]
    model = randomized(Sequential(layers, dtype=dtype, seed=seed), seed)
    agree("normalization", model, inputs(seed, (batch, rows, cols)) + 5.0)  # a mean away from 0


@given(dtypes, st.integers(1, 12), small, small, st.booleans(), small, st.integers(0, 2**16))
def test_embedding_stacks(dtype, vocabulary, width, length, pooled, batch, seed):
    end = GlobalAveragePooling1D() if pooled else Flatten()
    layers = [Input((length,)), Embedding(vocabulary, width), LayerNormalization(), end, Dense(2, activation="softmax")]
    model = randomized(Sequential(layers, dtype=dtype, seed=seed), seed)
    X = np.random.default_rng(seed).integers(0, vocabulary, (batch, length))
    agree("embedding", model, X)


@given(dtypes, st.integers(1, 3), small, st.sampled_from([-1, 1, None]), st.booleans(), st.booleans(),
       st.booleans(), small, st.integers(0, 2**16))  # fmt: skip
def test_preprocessing_stacks(dtype, rows, cols, axis, per_channel, adapted, invert, batch, seed):
    """Rescaling (one scale or one per channel) then Normalization (adapted or given, any axis, inverted or not)."""
    X = inputs(seed, (batch, rows, cols), scale=30.0) + 100.0  # pixels-like: far from 0, wide
    scale = [1 / (60.0 + i) for i in range(cols)] if per_channel else 1 / 127.5
    norm = Normalization(axis=axis, invert=invert)
    if adapted:
        norm.adapt(Rescaling(scale, -0.5)(X.astype(dtype)))
    else:
        width = {None: 1, 1: rows, -1: cols}[axis]  # the batch is axis 0
        norm = Normalization(axis, [0.1 * i for i in range(width)], [0.5 + i for i in range(width)], invert=invert)
    layers = [Input((rows, cols)), Rescaling(scale, -0.5), norm, Flatten(), Dense(2)]
    agree("preprocessing", Sequential(layers, dtype=dtype, seed=seed), X)
