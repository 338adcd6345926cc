"""Conv1D and Conv2D against the direct definition of convolution, finite differences and hand-computed values.

The reference below is the definition written as loops (batch, output positions,
kernel offsets, channels, filters) on an input padded by ``np.pad`` with TensorFlow's
"same" amounts, computed here from Keras's documented rule; the layer's im2col /
col2im code is not used by it.
"""

from __future__ import annotations

import itertools
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, _scratch, gradcheck, load_model
from tinyframe.activations import Sigmoid, Softmax
from tinyframe.layers import Conv1D, Conv2D, Dense, Flatten, Input
from tinyframe.layers.conv import FEW_CHANNELS
from tinyframe.losses import SquaredError
from tinyframe.optimizers import Adam

from .strategies import record, seeds

LAYER = {1: Conv1D, 2: Conv2D}


@dataclass(frozen=True)
class Case:
    """One convolution: sizes per spatial axis, channels ``c``, filters ``f``, batch ``m``."""

    n: tuple[int, ...]
    k: tuple[int, ...]
    s: tuple[int, ...]
    d: tuple[int, ...]
    padding: str
    c: int = 2
    f: int = 2
    m: int = 2
    seed: int = 0

    def layer(self, dtype="float64", **kwargs):
        layer = LAYER[len(self.n)](self.f, self.k, self.s, self.padding, self.d, bias_initializer="uniform", **kwargs)
        return layer.build((*self.n, self.c), dtype=dtype, rng=self.seed)

    def x(self, dtype="float64"):
        return np.random.default_rng(self.seed + 1).standard_normal((self.m, *self.n, self.c)).astype(dtype)


def keras_padding(n, k, s, d, padding):
    """(before, after) zeros on one axis: TensorFlow's "same" total, the odd one after; "causal" all before."""
    if padding == "valid":
        return 0, 0
    if padding == "causal":  # Keras: y[t] sees x[t], x[t - d], ..., never a later step
        return (k - 1) * d, 0
    total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def reference(case, x, W, b, g):
    """y, dJ/dx, dJ/dW, dJ/db for ``J = sum(g * y)``, by the definition ``y[o] = sum xp[o*s + i*d] W[i] + b``."""
    pads = [keras_padding(*args, case.padding) for args in zip(case.n, case.k, case.s, case.d)]
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    out = [(xp.shape[1 + j] - (k - 1) * d - 1) // s + 1 for j, (k, s, d) in enumerate(zip(case.k, case.s, case.d))]
    y, dxp, dW = np.zeros((case.m, *out, case.f)), np.zeros_like(xp), np.zeros_like(W)
    for batch in range(case.m):
        for o in itertools.product(*map(range, out)):
            for i in itertools.product(*map(range, case.k)):
                p = tuple(oj * s + ij * d for oj, ij, s, d in zip(o, i, case.s, case.d))
                for c in range(case.c):
                    for f in range(case.f):
                        y[(batch, *o, f)] += xp[(batch, *p, c)] * W[(*i, c, f)]
                        dxp[(batch, *p, c)] += W[(*i, c, f)] * g[(batch, *o, f)]
                        dW[(*i, c, f)] += xp[(batch, *p, c)] * g[(batch, *o, f)]
    interior = (slice(None), *(slice(lo, lo + n) for (lo, _), n in zip(pads, case.n)), slice(None))
    return y + b, dxp[interior], dW, g.reshape(-1, case.f).sum(axis=0)


@st.composite
def cases(draw, max_n=6, max_c=2, max_m=2):
    """A random convolution that fits its input: 1-D or 2-D, any stride (often above the kernel), dilation, padding."""
    rank = draw(st.sampled_from([1, 2]))
    padding = draw(st.sampled_from(["valid", "same", "causal"] if rank == 1 else ["valid", "same"]))
    n, k, s, d = [], [], [], []
    for _ in range(rank):
        k.append(draw(st.integers(1, 3)))
        d.append(draw(st.integers(1, 3)))
        s.append(draw(st.integers(1, 4)))
        span = (k[-1] - 1) * d[-1] + 1
        n.append(draw(st.integers(span, span + 3) if padding == "valid" else st.integers(1, max_n)))
    c, f, m = draw(st.integers(1, max_c)), draw(st.integers(1, 2)), draw(st.integers(1, max_m))
    return Case(tuple(n), tuple(k), tuple(s), tuple(d), padding, c, f, m, draw(seeds))


EDGES = {
    "stride above the kernel": Case((9,), (2,), (4,), (1,), "valid"),
    "stride above the kernel, same": Case((7, 9), (2, 1), (3, 4), (1, 1), "same"),
    "kernel equal to the input": Case((4, 5), (4, 5), (1, 1), (1, 1), "valid"),
    "kernel equal to the input, 1-D": Case((5,), (5,), (2,), (1,), "valid", c=3),
    "dilation": Case((9,), (3,), (1,), (3,), "valid"),
    "dilation, same, 2-D": Case((6, 7), (3, 2), (1, 1), (2, 3), "same"),
    "dilation and stride": Case((11,), (3,), (2,), (2,), "same"),
    "causal, dilation and stride": Case((9,), (3,), (2,), (2,), "causal"),
    "causal, kernel longer than the input": Case((2,), (4,), (1,), (1,), "causal"),
    "same, odd kernel": Case((5, 5), (3, 3), (1, 1), (1, 1), "same"),
    "same, even kernel": Case((5, 6), (2, 4), (1, 1), (1, 1), "same"),
    "same, even kernel, stride 2": Case((7,), (4,), (2,), (1,), "same"),
    "length 1": Case((1,), (1,), (1,), (1,), "same"),
    "length 1, kernel 3, same": Case((1,), (3,), (2,), (1,), "same"),
    "batch size 1": Case((6, 4), (3, 2), (2, 1), (1, 1), "valid", m=1),
    # both im2col layouts: one row per tap below FEW_CHANNELS input channels, one per position from it on
    "few channels, by tap": Case((6, 5), (3, 2), (2, 1), (1, 2), "same", c=FEW_CHANNELS - 1),
    "many channels, by position": Case((6, 5), (3, 2), (2, 1), (1, 2), "same", c=FEW_CHANNELS),
    "many channels, 1-D, dilated": Case((9,), (3,), (1,), (2,), "valid", c=FEW_CHANNELS + 1, m=1),
}


def assert_matches_reference(case):
    layer = case.layer()
    x = case.x()
    y = layer.forward(x)
    g = np.random.default_rng(case.seed + 2).standard_normal(y.shape)
    y_ref, dx_ref, dW_ref, db_ref = reference(case, x, layer.params["W"], layer.params["b"], g)
    assert y.shape == y_ref.shape == (case.m, *layer.compute_output_shape((*case.n, case.c)))
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.backward(g), dx_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], dW_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], db_ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edge_cases_match_the_direct_definition(name):
    assert_matches_reference(EDGES[name])


@given(cases(max_n=7, max_c=FEW_CHANNELS + 1, max_m=3))
def test_random_convolutions_match_the_direct_definition(case):
    assert_matches_reference(case)


def test_same_gives_ceil_n_over_s_and_valid_the_windows_that_fit():
    """Keras's documented sizes: the paper's MNIST-1D CNN (40 -> 18 -> 8 -> 3) and a 28 x 28 image."""
    assert Conv1D(25, 5, strides=2).compute_output_shape((40, 1)) == (18, 25)
    assert Conv1D(25, 3, strides=2).compute_output_shape((18, 25)) == (8, 25)
    assert Conv1D(25, 3, strides=2).compute_output_shape((8, 25)) == (3, 25)
    assert Conv2D(32, 3).compute_output_shape((28, 28, 1)) == (26, 26, 32)
    assert Conv2D(32, 3, padding="same").compute_output_shape((28, 28, 1)) == (28, 28, 32)
    assert Conv2D(8, 4, strides=3, padding="same", dilation_rate=2).compute_output_shape((10, 9, 2)) == (4, 3, 8)
    assert Conv1D(1, 3, dilation_rate=4).compute_output_shape((9, 1)) == (1, 1)  # the span 9 just fits
    assert Conv1D(4, 3, strides=2, padding="causal").compute_output_shape((9, 1)) == (5, 4)  # ceil(9 / 2)


# ------------------------------------------------------------------------ values by hand
def built(layer, shape, W, b=None):
    layer.build(shape, dtype="float64")
    layer.params["W"][...] = np.asarray(W, dtype=float).reshape(layer.params["W"].shape)
    if b is not None:
        layer.params["b"][...] = b
    return layer


def test_hand_computed_values():
    x = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 4, 1)
    # y[o] = 1 x[o] + 2 x[o+1]; "same" with an even kernel pads one zero on the right only
    np.testing.assert_array_equal(built(Conv1D(1, 2), (4, 1), [1, 2], [0.5]).forward(x).ravel(), [5.5, 8.5, 11.5])
    np.testing.assert_array_equal(built(Conv1D(1, 2, padding="same"), (4, 1), [1, 2]).forward(x).ravel(), [5, 8, 11, 4])
    # "causal": y[t] = 1 x[t-1] + 2 x[t], zeros before the start; dilation 2: y[t] = x[t-2] + 10 x[t]
    causal = built(Conv1D(1, 2, padding="causal"), (4, 1), [1, 2])
    np.testing.assert_array_equal(causal.forward(x).ravel(), [2, 5, 8, 11])
    np.testing.assert_array_equal(
        built(Conv1D(1, 2, padding="causal", dilation_rate=2), (4, 1), [1, 10]).forward(x).ravel(), [10, 20, 31, 42]
    )
    # dilation 2: y[o] = x[o] + 10 x[o+2]; stride 3: the windows at 0 and 3 ("same" pads 0 left, 1 right)
    np.testing.assert_array_equal(built(Conv1D(1, 2, dilation_rate=2), (4, 1), [1, 10]).forward(x).ravel(), [31, 42])
    np.testing.assert_array_equal(
        built(Conv1D(1, 2, strides=3, padding="same"), (4, 1), [1, 10]).forward(x).ravel(), [21, 4]
    )
    # two channels into two filters: filter 0 adds the channels, filter 1 takes channel 0 minus channel 1
    pair = np.array([[1.0, 10.0], [2.0, 20.0]]).reshape(1, 2, 2)
    layer = built(Conv1D(2, 1, use_bias=False), (2, 2), [[1, 1], [1, -1]])
    np.testing.assert_array_equal(layer.forward(pair)[0], [[11, -9], [22, -18]])
    # 2-D "same", 2 x 2 kernel of ones: each output sums its pixel, the right, below and below-right (zero outside)
    image = np.arange(1.0, 7.0).reshape(1, 2, 3, 1)  # [[1, 2, 3], [4, 5, 6]]
    y = built(Conv2D(1, 2, padding="same"), (2, 3, 1), np.ones(4)).forward(image)
    np.testing.assert_array_equal(y[0, :, :, 0], [[12, 16, 9], [9, 11, 6]])
    # the input gradient for dJ/dy = 1: each pixel counts the outputs that read it
    layer = built(Conv2D(1, 2, padding="same"), (2, 3, 1), np.ones(4))
    layer.forward(image)
    np.testing.assert_array_equal(layer.backward(np.ones_like(y))[0, :, :, 0], [[1, 2, 2], [2, 4, 4]])


# ------------------------------------------------------------------- finite differences
@given(cases(max_n=5, max_c=FEW_CHANNELS + 1), st.sampled_from(["tanh", None]), st.booleans())
def test_gradients_of_the_layer_alone(case, activation, use_bias):
    layer = case.layer(activation=activation, use_bias=use_bias)
    record(f"Conv{len(case.n)}D", gradcheck.check_layer(layer, case.x()))


@given(cases(max_n=5, max_c=2, max_m=2))
def test_gradients_of_two_convolutions_in_a_model(case):
    """A second convolution ("same", stride 2) behind the first, so the first one's input gradient is used too."""
    second = LAYER[len(case.n)](2, 2, strides=2, padding="same", activation="sigmoid")
    model = Sequential(
        [Input((*case.n, case.c)), case.layer(activation="tanh"), second, Flatten(), Dense(3), Softmax()],
        dtype="float64",
        seed=case.seed,
    )
    model.compile(loss=SquaredError())
    Y = np.random.default_rng(case.seed).uniform(size=(case.m, 3))
    record("conv model", gradcheck.check_model(model, case.x(), Y))


def test_backward_params_sets_the_same_gradients_as_backward():
    case = EDGES["dilation, same, 2-D"]
    a, b = case.layer(activation="tanh"), case.layer(activation="tanh")
    g = np.random.default_rng(0).standard_normal(a.forward(case.x()).shape)
    b.forward(case.x())
    a.backward(g)
    b.backward_params(g)
    assert all(np.array_equal(a.grads[k], b.grads[k]) for k in ("W", "b"))


# --------------------------------------------------------------------- dtypes and buffers
@pytest.mark.parametrize("name", ["same, even kernel", "dilation and stride", "kernel equal to the input"])
def test_float32_agrees_with_float64_to_float32_rounding(name):
    case = EDGES[name]
    wide, narrow = case.layer(), case.layer(dtype="float32")
    x = case.x()
    y64, y32 = wide.forward(x), narrow.forward(x.astype("float32"))
    g64, g32 = wide.backward(np.ones_like(y64)), narrow.backward(np.ones_like(y32))
    assert y32.dtype == g32.dtype == narrow.grads["W"].dtype == np.float32
    # Sums of at most n products (an output: prod(k) * c of them, plus b; an input gradient: prod(k) * f) carry
    # float32 rounding of at most n eps times the sum of their magnitudes, below the bounds used here.
    eps, n, W = np.finfo(np.float32).eps, np.prod(case.k) * max(case.c, case.f) + 1, np.abs(wide.params["W"])
    assert np.abs(y32 - y64).max() < 2 * n * eps * (np.abs(x).max() * W.sum() + np.abs(wide.params["b"]).max())
    assert np.abs(g32 - g64).max() < 2 * n * eps * W.sum()


def test_reused_buffers_give_the_same_answer_for_inputs_that_pad_alike():
    """Lengths 6 and 5 (kernel 3, stride 2, "same") both pad to 7, with x at offset 0 and at offset 1."""
    layer = Conv1D(2, 3, strides=2, padding="same").build((6, 1), dtype="float64", rng=0)
    x6, x5 = np.arange(1.0, 7.0).reshape(1, 6, 1), np.arange(1.0, 6.0).reshape(1, 5, 1)
    fresh = layer.forward(x5).copy()
    with _scratch.Scratch():  # as in fit: the same work arrays step after step
        layer.forward(x6)
        np.testing.assert_array_equal(layer.forward(x5), fresh)


# ------------------------------------------------------------------------- in a model
def mnist1d_like(n=300, seed=0):
    """Sequences of 40 steps; the class is where a bump sits (left, middle or right), under noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = 0.3 * rng.standard_normal((n, 40, 1))
    for row, label in enumerate(y):
        start = 4 + 13 * label + rng.integers(-2, 3)
        X[row, start : start + 5, 0] += 1.5
    return X.astype("float32"), y


def test_a_small_cnn_learns_and_round_trips(tmp_path, capsys):
    X, y = mnist1d_like()
    model = Sequential(
        [
            Input((40, 1)),
            Conv1D(8, 5, strides=2, activation="relu"),
            Conv1D(8, 3, strides=2, padding="same", activation="relu"),
            Flatten(),
            Dense(3),
            Softmax(),
        ],
        seed=0,
    )
    model.compile(loss="categorical_crossentropy", optimizer=Adam(1e-2), metrics=["accuracy"])
    history = model.fit(X, y, epochs=8, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9
    model.save(tmp_path / "cnn.npz")
    loaded = load_model(tmp_path / "cnn.npz")
    assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in model.layers]
    assert np.array_equal(loaded.predict(X), model.predict(X))
    model.summary()
    table = capsys.readouterr().out
    assert "(None, 18, 8)" in table and "(None, 9, 8)" in table and "(None, 72)" in table


def test_conv2d_learns_inside_a_model():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((64, 8, 8, 2)).astype("float32")
    y = (X[:, :4, :, 0].sum(axis=(1, 2)) > X[:, 4:, :, 0].sum(axis=(1, 2))).astype(int)  # top half vs bottom
    model = Sequential(
        [Input((8, 8, 2)), Conv2D(4, 3, padding="same", activation="tanh"), Conv2D(4, (2, 3), strides=2), Flatten()],
        seed=0,
    )
    model.add(Dense(1))
    model.add(Sigmoid())
    model.compile(loss="binary_crossentropy", optimizer=Adam(1e-2))
    history = model.fit(X, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.output_shape == (1,) and model.layers[1].compute_output_shape((8, 8, 4)) == (4, 3, 4)


# ---------------------------------------------------------------------- configuration
def test_config_round_trip_and_repr():
    layer = Conv2D(16, (3, 2), strides=2, padding="SAME", dilation_rate=(1, 1), activation="relu", use_bias=False)
    config = layer.get_config()
    assert config == {
        "filters": 16,
        "kernel_size": [3, 2],
        "strides": [2, 2],
        "padding": "same",
        "dilation_rate": [1, 1],
        "activation": "relu",
        "use_bias": False,
        "kernel_initializer": "glorot_uniform",
        "bias_initializer": "zeros",
    }
    assert Conv2D.from_config(config).get_config() == config
    assert repr(layer) == "Conv2D(16, (3, 2), strides=2, padding='same', activation='relu', use_bias=False)"
    assert repr(Conv1D(25, 5, strides=2, dilation_rate=[3])) == "Conv1D(25, 5, strides=2, dilation_rate=3)"
    assert Conv1D(4, [3], data_format="channels_last").kernel_size == (3,)


def test_the_kernel_has_keras_layout_and_glorot_fans():
    layer = Conv2D(32, 3).build((28, 28, 3), dtype="float64", rng=0)
    W = layer.params["W"]
    assert W.shape == (3, 3, 3, 32) and layer.params["b"].shape == (32,)
    limit = math.sqrt(6 / (3 * 3 * 3 + 3 * 3 * 32))  # Glorot: fan_in = 27, fan_out = 288
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.9 * limit


# ------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: Conv1D(0, 3), ValueError, "Conv1D: filters must be an integer >= 1. Received: filters=0"),
        (lambda: Conv1D(2.5, 3), TypeError, "Conv1D: filters must be an integer"),
        (
            lambda: Conv2D(4, (3,)),
            TypeError,
            r"Conv2D: kernel_size must be an int or a tuple of 2 ints. Received: kernel_size=\(3,\)",
        ),
        (lambda: Conv2D(4, (3, 0)), ValueError, "Conv2D: kernel_size must be an integer >= 1. Received: kernel_size=0"),
        (lambda: Conv1D(4, 3, strides=0), ValueError, "Conv1D: strides must be an integer >= 1"),
        (
            lambda: Conv1D(4, 3, dilation_rate="2"),
            TypeError,
            "Conv1D: dilation_rate must be an int or a tuple of one int. Received",
        ),
        (
            lambda: Conv1D(4, 3, padding="full"),
            ValueError,
            'Conv1D: padding must be "valid", "same" or "causal". Received: padding=\'full\'',
        ),
        (
            lambda: Conv2D(4, 3, padding="causal"),
            ValueError,
            'Conv2D: padding must be "valid" or "same" \\("causal" is for Conv1D only\\). Received: padding=\'causal\'',
        ),
        (lambda: Conv2D(4, 3, data_format="channels_first"), ValueError, 'only data_format="channels_last"'),
        (lambda: Conv2D(4, 3, use_bias=1), TypeError, "Conv2D: use_bias must be True or False"),
        (lambda: Conv2D(4, 3, activation="nope"), ValueError, "Unknown activation"),
        (lambda: Conv2D(4, 3, kernel_initializer="nope"), ValueError, "nope"),
    ],
)
def test_bad_arguments_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_input_shapes_are_refused_with_the_layer_named():
    with pytest.raises(
        ValueError,
        match=r"Conv1D\(4, 3\) expects inputs of shape \(steps, channels\) \(batch excluded\). Received: .* \(10,\)",
    ):
        Conv1D(4, 3).compute_output_shape((10,))
    with pytest.raises(
        ValueError, match=r"Conv2D\(4, 3\) expects inputs of shape \(height, width, channels\).*\(10, 3\)"
    ):
        Conv2D(4, 3).compute_output_shape((10, 3))
    with pytest.raises(
        ValueError,
        match=r"kernel \(dilated\) spans \(5,\) positions, more than the input has. Received: input shape \(4, 1\)",
    ):
        Conv1D(4, 3, dilation_rate=2).compute_output_shape((4, 1))
    with pytest.raises(
        ValueError, match=r"Conv2D\(4, 3\) was built for 3 input channels. Received: input shape \(8, 8, 1\)"
    ):
        Conv2D(4, 3).build((8, 8, 3)).compute_output_shape((8, 8, 1))
    with pytest.raises(ValueError, match=r"layer 1 \(conv.*expects inputs of shape \(steps, channels\)"):
        Sequential([Input((12,)), Dense(4), Conv1D(2, 3)])
    assert Conv1D(4, 3, dilation_rate=2, padding="same").compute_output_shape((4, 1)) == (4, 4)  # same: always fits


def test_predict_from_threads_gives_the_single_threaded_answer():
    """Each predict call has its own work arrays (padded input, cols): concurrent calls never share one."""
    model = Sequential([Input((9, 9, 2)), Conv2D(3, 3, padding="same", activation="tanh"), Flatten(), Dense(2)], seed=0)
    inputs = [np.random.default_rng(i).standard_normal((16, 9, 9, 2)).astype("float32") for i in range(8)]
    alone = [model.predict(X, verbose=0) for X in inputs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda X: model.predict(X, verbose=0), inputs * 4))
    assert all(np.array_equal(got, alone[i % 8]) for i, got in enumerate(together))


@pytest.mark.parametrize(("k", "s", "d"), [(3, 1, 1), (4, 3, 1), (5, 1, 3), (2, 4, 1)])
def test_causal_padding_matches_keras(k, s, d, monkeypatch):
    """Keras 3 (torch backend, float32) as an independent oracle for "causal"; skipped without it."""
    pytest.importorskip("torch")
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"keras was imported with the {keras.backend.backend()} backend")
    x = np.random.default_rng(0).standard_normal((3, 11, 2))
    theirs = keras.layers.Conv1D(4, k, strides=s, dilation_rate=d, padding="causal")
    expected = np.asarray(keras.ops.convert_to_numpy(theirs(x.astype("float32"))), dtype=np.float64)
    ours = Conv1D(4, k, strides=s, dilation_rate=d, padding="causal").build((11, 2), dtype="float64", rng=0)
    ours.set_weights([np.asarray(w, dtype=np.float64) for w in theirs.get_weights()])
    y = ours.forward(x)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-5 * np.abs(expected).max())  # Keras ran in float32
