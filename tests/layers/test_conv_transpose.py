"""Conv1DTranspose and Conv2DTranspose against their definition by loops, a convolution's input gradient, values
by hand, central differences, and Keras 3 (outputs, shapes, weight layout, gradients through torch's autograd).

The reference scatters: each input pixel adds ``W[i] @ x[o]`` at output position ``o*s + i - lo``, with the
output size and ``lo`` written here from Keras's documented rule ("valid": ``(n - 1) s + max(k, s)``; "same":
``n s``, cut as the input gradient of a "same" convolution over ``n s`` positions); the layer's im2col /
col2im code is not used by it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, _scratch, gradcheck
from tinyframe.layers import Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Dense, Flatten, Input, UpSampling2D
from tinyframe.losses import SquaredError

from ..strategies import arrays, record, seeds

LAYER = {1: Conv1DTranspose, 2: Conv2DTranspose}
CONV = {1: Conv1D, 2: Conv2D}


@dataclass(frozen=True)
class Case:
    """One transposed convolution: sizes per spatial axis, channels ``c`` in, filters ``f`` out, batch ``m``."""

    n: tuple[int, ...]
    k: tuple[int, ...]
    s: tuple[int, ...]
    padding: str
    c: int = 2
    f: int = 2
    m: int = 2
    seed: int = 0

    def layer(self, dtype="float64", **kwargs):
        layer = LAYER[len(self.n)](self.f, self.k, self.s, self.padding, bias_initializer="uniform", **kwargs)
        return layer.build((*self.n, self.c), dtype=dtype, rng=self.seed)

    def x(self, dtype="float64"):
        return np.random.default_rng(self.seed + 1).standard_normal((self.m, *self.n, self.c)).astype(dtype)


def keras_size(n, k, s, padding):
    """(output size, positions cut before it) on one axis, from Keras's documented rule."""
    if padding == "valid":
        return (n - 1) * s + max(k, s), 0
    total = max((n - 1) * s + k - n * s, 0)  # the zeros a "same" convolution over n*s positions pads
    return n * s, total // 2


def reference(case, x, W, b, g):
    """y, dJ/dx, dJ/dW, dJ/db for ``J = sum(g * y)``: every input pixel scatters ``W[i] @ x[o]`` (W: (*k, f, c))."""
    sizes = [keras_size(*args, case.padding) for args in zip(case.n, case.k, case.s)]
    out, lo = [o for o, _ in sizes], [a for _, a in sizes]
    y, dx, dW = np.zeros((case.m, *out, case.f)), np.zeros_like(x), np.zeros_like(W)
    for batch in range(case.m):
        for o in itertools.product(*map(range, case.n)):
            for i in itertools.product(*map(range, case.k)):
                p = tuple(oj * s + ij - a for oj, ij, s, a in zip(o, i, case.s, lo))
                if not all(0 <= pj < size for pj, size in zip(p, out)):
                    continue  # cut off by "same"
                for c in range(case.c):
                    for f in range(case.f):
                        y[(batch, *p, f)] += W[(*i, f, c)] * x[(batch, *o, c)]
                        dx[(batch, *o, c)] += W[(*i, f, c)] * g[(batch, *p, f)]
                        dW[(*i, f, c)] += x[(batch, *o, c)] * g[(batch, *p, f)]
    return y + b, dx, dW, g.reshape(-1, case.f).sum(axis=0)


@st.composite
def cases(draw, max_n=4, max_k=4, max_s=4):
    """A random transposed convolution: 1-D or 2-D, strides below, at and above the kernel, either padding."""
    rank = draw(st.sampled_from([1, 2]))
    n = tuple(draw(st.integers(1, max_n)) for _ in range(rank))
    k = tuple(draw(st.integers(1, max_k)) for _ in range(rank))
    s = tuple(draw(st.integers(1, max_s)) for _ in range(rank))
    padding = draw(st.sampled_from(["valid", "same"]))
    return Case(
        n, k, s, padding, draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(seeds)
    )


EDGES = {
    "stride above the kernel, valid (zeros past the last kernel)": Case((3,), (2,), (3,), "valid"),
    "stride above the kernel, same": Case((3, 2), (1, 2), (3, 4), "same"),
    "even kernel, same, stride 1 (cut after only)": Case((4,), (2,), (1,), "same"),
    "odd kernel, same, stride 2 (cut after only)": Case((3, 3), (3, 3), (2, 2), "same"),
    "kernel 4, stride 1, same (cut on both ends)": Case((5,), (4,), (1,), "same", c=3),
    "kernel 5, stride 2, same": Case((2, 3), (5, 4), (2, 1), "same"),
    "length 1": Case((1,), (1,), (1,), "valid"),
    "length 1, kernel 3, same": Case((1,), (3,), (1,), "same"),
    "batch size 1, one channel": Case((3, 2), (2, 3), (2, 1), "valid", c=1, f=1, m=1),
    "many channels": Case((3, 3), (3, 2), (2, 2), "same", c=5, f=3),
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
def test_edge_cases_match_the_scatter_definition(name):
    assert_matches_reference(EDGES[name])


@given(cases())
def test_random_cases_match_the_scatter_definition(case):
    assert_matches_reference(case)


@given(cases())
def test_it_is_the_input_gradient_of_the_convolution_with_the_same_kernel(case):
    """Conv with kernel W (*k, f, c) over the output's size, back from x: the transposed convolution of x (no bias)."""
    ours = LAYER[len(case.n)](case.f, case.k, case.s, case.padding, use_bias=False)
    ours.build((*case.n, case.c), dtype="float64", rng=case.seed)
    out = ours.compute_output_shape((*case.n, case.c))
    conv = CONV[len(case.n)](case.c, case.k, case.s, case.padding, use_bias=False).build(out, dtype="float64")
    conv.params["W"][...] = ours.params["W"]  # (*k, f, c): the convolution reads f channels and makes c
    assert conv.compute_output_shape(out) == (*case.n, case.c)
    conv.forward(np.zeros((case.m, *out)))
    x = case.x()
    np.testing.assert_allclose(ours.forward(x), conv.backward(x), rtol=0, atol=1e-12)


def test_hand_computed_values():
    def layer(k, s, padding, W, b=None, steps=3):
        built = Conv1DTranspose(1, k, s, padding, use_bias=b is not None).build((steps, 1), dtype="float64")
        built.params["W"][:, 0, 0] = W
        if b is not None:
            built.params["b"][...] = b
        return built

    x3, x2 = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1), np.array([1.0, 2.0]).reshape(1, 2, 1)
    run = lambda layer, x: layer.forward(x)[0, :, 0].tolist()  # noqa: E731
    # stride 1, kernel (1, 10): [1, 10 + 2, 20 + 3, 30]; "same" keeps the first 3 (an even kernel cuts after)
    assert run(layer(2, 1, "valid", [1, 10]), x3) == [1, 12, 23, 30]
    assert run(layer(2, 1, "same", [1, 10]), x3) == [1, 12, 23]
    # kernel (1, 10, 100), stride 1: full [1, 12, 123, 230, 300]; "same" cuts one position at each end
    assert run(layer(3, 1, "same", [1, 10, 100]), x3) == [12, 123, 230]
    # stride 2, kernel 3: [1, 10, 100 + 2, 20, 200]; "same" keeps 2 * 2 = 4 from the start
    assert run(layer(3, 2, "same", [1, 10, 100], steps=2), x2) == [1, 10, 102, 20]
    assert run(layer(3, 2, "valid", [1, 10, 100], steps=2), x2) == [1, 10, 102, 20, 200]
    # stride 3 above kernel 2: a zero (plus the bias) after each pair, (n - 1) * 3 + max(2, 3) = 6 positions
    assert run(layer(2, 3, "valid", [1, 10], 0.5, steps=2), x2) == [1.5, 10.5, 0.5, 2.5, 20.5, 0.5]
    # 2-D, a 2 x 2 kernel of ones, stride 1: each output sums the pixels whose kernel covers it
    image = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    ones = Conv2DTranspose(1, 2, use_bias=False).build((2, 2, 1), dtype="float64")
    ones.params["W"][...] = 1
    np.testing.assert_array_equal(ones.forward(image)[0, :, :, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    # the input gradient for dJ/dy = 1: each pixel's kernel covers 4 outputs
    np.testing.assert_array_equal(ones.backward(np.ones((1, 3, 3, 1)))[0, :, :, 0], [[4, 4], [4, 4]])
    np.testing.assert_array_equal(ones.grads["W"][..., 0, 0], [[10, 10], [10, 10]])  # every tap sees every pixel


def test_stride_2_kernel_2_of_ones_is_nearest_upsampling():
    x = np.random.default_rng(0).standard_normal((3, 4, 5, 2))
    layer = Conv2DTranspose(2, 2, strides=2, use_bias=False).build((4, 5, 2), dtype="float64")
    layer.params["W"][...] = np.eye(2)  # (2, 2, f, c): channel c to filter c at every tap
    np.testing.assert_array_equal(layer.forward(x), UpSampling2D(2).forward(x))


# ------------------------------------------------------------------- finite differences
@given(cases(max_n=3, max_k=3, max_s=3), st.sampled_from(["tanh", None]), st.booleans())
def test_gradients_of_the_layer_alone(case, activation, use_bias):
    layer = case.layer(activation=activation, use_bias=use_bias)
    record(f"Conv{len(case.n)}DTranspose", gradcheck.check_layer(layer, case.x()))


@given(cases(max_n=3, max_k=3, max_s=3), st.data())
def test_gradients_in_a_model_with_a_layer_in_front(case, data):
    """A Dense in front (its input gradient goes through the transposed convolution's), a Dense behind."""
    model = Sequential(
        [Input((*case.n, 2)), Dense(case.c, activation="tanh"), case.layer(activation="tanh"), Flatten(), Dense(2)],
        dtype="float64",
        seed=case.seed,
    )
    model.compile(loss=SquaredError())
    X, Y = data.draw(arrays((case.m, *case.n, 2))), data.draw(arrays((case.m, 2)))
    record("ConvTranspose model", gradcheck.check_model(model, X, Y))


def test_backward_params_sets_the_same_gradients_as_backward():
    case = EDGES["kernel 5, stride 2, same"]
    a, b = case.layer(activation="tanh"), case.layer(activation="tanh")
    g = np.random.default_rng(0).standard_normal(a.forward(case.x()).shape)
    b.forward(case.x())
    a.backward(g)
    b.backward_params(g)
    assert all(np.array_equal(a.grads[k], b.grads[k]) for k in ("W", "b"))


@pytest.mark.parametrize("name", ["stride above the kernel, same", "kernel 4, stride 1, same (cut on both ends)"])
def test_reused_work_arrays_give_the_fresh_answer(name):
    """In fit the same arrays serve every step: the cut-off border of the gradient must stay zero."""
    case = EDGES[name]
    layer = case.layer()
    x1, x2 = case.x(), case.x() + 1
    g = np.random.default_rng(3).standard_normal(layer.forward(x1).shape)
    y_fresh, dx_fresh = layer.forward(x2).copy(), layer.backward(g).copy()
    with _scratch.Scratch():
        layer.forward(x1)
        layer.backward(2 * g)
        np.testing.assert_array_equal(layer.forward(x2), y_fresh)
        np.testing.assert_array_equal(layer.backward(g), dx_fresh)


# ---------------------------------------------------------------------- configuration
def test_config_round_trip_repr_and_kernel_layout():
    layer = Conv2DTranspose(16, (3, 2), strides=2, padding="SAME", activation="relu", use_bias=False)
    config = layer.get_config()
    assert config == {
        "filters": 16,
        "kernel_size": [3, 2],
        "strides": [2, 2],
        "padding": "same",
        "output_padding": None,
        "dilation_rate": [1, 1],
        "activation": "relu",
        "use_bias": False,
        "kernel_initializer": "glorot_uniform",
        "bias_initializer": "zeros",
    }
    assert Conv2DTranspose.from_config(config).get_config() == config
    assert repr(layer) == "Conv2DTranspose(16, (3, 2), strides=2, padding='same', activation='relu', use_bias=False)"
    built = Conv1DTranspose(8, 3, data_format="channels_last", dilation_rate=1).build((10, 4), dtype="float64")
    assert built.params["W"].shape == (3, 8, 4) and built.params["b"].shape == (8,)  # (k, filters, channels)
    assert built.kernel is built.params["W"] and built.bias is built.params["b"]  # Keras's names


# ------------------------------------------------------------------------------ refusals
@pytest.mark.parametrize(
    "make, error, message",
    [
        (
            lambda: Conv2DTranspose(4, 3, output_padding=1),
            ValueError,
            r"Conv2DTranspose: only output_padding=None \(Keras's default\) is supported.*Received: output_padding=1",
        ),
        (
            lambda: Conv1DTranspose(4, 3, dilation_rate=2),
            ValueError,
            r"Conv1DTranspose: only dilation_rate=1 \(Keras's default\) is supported. Received: dilation_rate=2",
        ),
        (
            lambda: Conv1DTranspose(4, 3, padding="causal"),
            ValueError,
            r'Conv1DTranspose: padding must be "valid" or "same".*Received: padding=\'causal\'',
        ),
        (
            lambda: Conv2DTranspose(4, 3, data_format="channels_first"),
            ValueError,
            r'Conv2DTranspose: only data_format="channels_last" \(inputs \(height, width, channels\)',
        ),
        (lambda: Conv2DTranspose(0, 3), ValueError, r"Conv2DTranspose: filters must be an integer >= 1"),
        (lambda: Conv2DTranspose(4, (3,)), TypeError, r"kernel_size must be an int or a tuple of 2 ints"),
        (lambda: Conv1DTranspose(4, 3, strides=0), ValueError, r"Conv1DTranspose: strides must be an integer >= 1"),
    ],
)
def test_bad_arguments_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_input_shapes_are_refused_naming_the_layer():
    with pytest.raises(ValueError, match=r"Conv1DTranspose\(4, 3\) expects inputs of shape \(steps, channels\)"):
        Conv1DTranspose(4, 3).compute_output_shape((10,))
    with pytest.raises(ValueError, match=r"Conv2DTranspose\(4, 3\) expects .*\(height, width, channels\).*\(5, 3\)"):
        Conv2DTranspose(4, 3).compute_output_shape((5, 3))
    built = Conv2DTranspose(4, 3).build((5, 5, 3))
    with pytest.raises(ValueError, match=r"was built for 3 input channels. Received: input shape \(5, 5, 1\)"):
        built.compute_output_shape((5, 5, 1))
    with pytest.raises(ValueError, match=r"layer 1 \(conv1d_transpose\).*expects inputs of shape \(steps, channels\)"):
        Sequential([Input((12,)), Dense(4), Conv1DTranspose(2, 3)])


# ------------------------------------------------------------------------------- Keras 3
KERAS_CASES = [  # rank, per-sample input shape, kernel_size, strides, padding
    (1, (7, 3), 3, 1, "valid"),
    (1, (7, 3), 3, 2, "same"),
    (1, (5, 2), 4, 3, "same"),
    (1, (5, 2), 2, 3, "valid"),
    (1, (1, 1), 3, 2, "same"),
    (2, (4, 5, 3), 3, 2, "same"),
    (2, (4, 5, 3), (2, 3), (3, 1), "valid"),
    (2, (3, 3, 2), 4, 1, "same"),
    (2, (3, 4, 2), (1, 2), (2, 3), "same"),
    (2, (6, 6, 4), 5, 2, "same"),
]


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras's torch-to-NumPy copy
@pytest.mark.parametrize("rank, shape, k, s, padding", KERAS_CASES, ids=str)
def test_outputs_shapes_and_kernel_layout_are_keras_s(keras, rank, shape, k, s, padding):
    name = f"Conv{rank}DTranspose"
    theirs = getattr(keras.layers, name)(4, k, strides=s, padding=padding, bias_initializer="random_normal")
    ours = LAYER[rank](4, k, strides=s, padding=padding, activation=None)
    x = np.random.default_rng(0).standard_normal((3, *shape))
    expected = keras.ops.convert_to_numpy(theirs(x.astype("float32")))
    ours.build(shape, dtype="float64")
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    ours.set_weights([np.asarray(w, dtype=np.float64) for w in theirs.get_weights()])
    y = ours.forward(x)
    assert (None, *ours.compute_output_shape(shape)) == tuple(theirs.compute_output_shape((None, *shape)))
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-5 * np.abs(expected).max())  # Keras ran in float32


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras's torch-to-NumPy copy
@pytest.mark.parametrize("rank, shape, k, s, padding", KERAS_CASES[1::3], ids=str)
def test_gradients_are_torch_autograd_s_through_keras(keras, rank, shape, k, s, padding):
    import torch

    theirs = getattr(keras.layers, f"Conv{rank}DTranspose")(3, k, strides=s, padding=padding, activation="tanh")
    x = np.random.default_rng(1).standard_normal((2, *shape))
    theirs.build((None, *shape))
    ours = LAYER[rank](3, k, strides=s, padding=padding, activation="tanh").build(shape, dtype="float64")
    ours.set_weights([np.asarray(w, dtype=np.float64) for w in theirs.get_weights()])
    g = np.random.default_rng(2).standard_normal((2, *ours.compute_output_shape(shape)))
    x_torch = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    (theirs(x_torch) * torch.tensor(g, dtype=torch.float32)).sum().backward()
    ours.forward(x)
    dx = ours.backward(g)
    np.testing.assert_allclose(dx, x_torch.grad.numpy(), rtol=0, atol=1e-5 * np.abs(dx).max())
    for ours_grad, variable in zip((ours.grads["W"], ours.grads["b"]), (theirs.kernel, theirs.bias)):
        np.testing.assert_allclose(ours_grad, variable.value.grad.numpy(), rtol=0, atol=1e-5 * np.abs(ours_grad).max())
