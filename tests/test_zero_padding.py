"""ZeroPadding1D and ZeroPadding2D against np.pad, finite differences, Keras's argument forms and refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck
from tinyframe.activations import Tanh
from tinyframe.layers import Conv1D, Dense, Flatten, Input, ZeroPadding1D, ZeroPadding2D
from tinyframe.losses import SquaredError

from .strategies import arrays, batch_sizes, record, seeds

LAYER = {1: ZeroPadding1D, 2: ZeroPadding2D}
pads = st.tuples(st.integers(0, 3), st.integers(0, 3))


@given(st.sampled_from([1, 2]), st.data(), batch_sizes)
def test_forward_is_np_pad_and_backward_takes_the_interior(rank, data, m):
    spatial = data.draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank))
    pairs = data.draw(st.lists(pads, min_size=rank, max_size=rank))
    c = data.draw(st.integers(1, 3))
    layer = LAYER[rank](tuple(pairs))
    x = data.draw(arrays((m, *spatial, c)))
    y = layer.forward(x)
    np.testing.assert_array_equal(y, np.pad(x, [(0, 0), *pairs, (0, 0)]))  # the reference: NumPy's own padding
    assert y.shape[1:] == layer.compute_output_shape((*spatial, c))
    g = data.draw(arrays(y.shape))
    interior = (slice(None), *(slice(lo, lo + n) for n, (lo, _) in zip(spatial, pairs)), slice(None))
    np.testing.assert_array_equal(layer.backward(g), g[interior])
    x2 = x + 1.0  # a second call on the same buffer: the border is still zero
    np.testing.assert_array_equal(layer.forward(x2), np.pad(x2, [(0, 0), *pairs, (0, 0)]))


@given(st.data(), batch_sizes, seeds)
def test_gradients_through_padding_and_a_valid_convolution(data, m, seed):
    """PyTorch's Conv1d(padding=1) as ZeroPadding1D(1) and a "valid" Conv1D, checked by central differences."""
    steps, left, right = data.draw(st.integers(1, 5)), data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))
    kernel = data.draw(st.integers(1, steps + left + right))
    model = Sequential(
        [Input((steps, 2)), ZeroPadding1D((left, right)), Conv1D(2, kernel), Tanh(), Flatten(), Dense(2)],
        dtype="float64",
        seed=seed,
    )
    model.compile(loss=SquaredError())
    X, y = data.draw(arrays((m, steps, 2))), data.draw(arrays((m, 2)))
    record("ZeroPadding1D+Conv1D", gradcheck.check_model(model, X, y))


def test_kerass_argument_forms():
    assert ZeroPadding1D().padding == ((1, 1),) and ZeroPadding1D(2).padding == ((2, 2),)
    assert ZeroPadding1D((0, 3)).padding == ((0, 3),) and ZeroPadding1D([1, 2]).padding == ((1, 2),)
    assert ZeroPadding2D().padding == ((1, 1), (1, 1)) and ZeroPadding2D((1, 2)).padding == ((1, 1), (2, 2))
    assert ZeroPadding2D(((1, 0), (2, 3))).padding == ((1, 0), (2, 3))
    assert ZeroPadding2D(((1, 0), (2, 3))).get_config() == {"padding": [[1, 0], [2, 3]]}
    assert ZeroPadding1D(**ZeroPadding1D((0, 3)).get_config()).padding == ((0, 3),)
    assert repr(ZeroPadding1D((0, 3))) == "ZeroPadding1D((0, 3))"


def test_a_model_shows_the_padded_shape():
    model = Sequential([Input((40, 1)), ZeroPadding1D(1), Conv1D(25, 5, strides=2)])
    assert model.layers[0].name == "zero_padding1d" and model.layers[1].input_shape == (42, 1)
    assert model.predict(np.ones((3, 40, 1))).shape == (3, 19, 25)  # the MNIST-1D paper's first layer


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: ZeroPadding1D(-1), ValueError, r"ZeroPadding1D: padding must hold ints >= 0. Received: padding=-1"),
        (lambda: ZeroPadding1D(1.5), TypeError, r"ZeroPadding1D: padding must be an int or a tuple"),
        (lambda: ZeroPadding1D((1, 2, 3)), ValueError, r"an int or \(left, right\). Received: padding=\(1, 2, 3\)"),
        (lambda: ZeroPadding2D((1, 2, 3)), ValueError, r"ZeroPadding2D: padding must be an int, \(rows, cols\)"),
        (lambda: ZeroPadding2D(((1,), (2, 3))), ValueError, r"\(\(top, bottom\), \(left, right\)\)"),
        (lambda: ZeroPadding2D((True, 1)), ValueError, r"ints >= 0"),
        (lambda: ZeroPadding2D(data_format="channels_first"), ValueError, r"only data_format='channels_last'"),
    ],
)
def test_bad_arguments_are_refused_naming_the_layer(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_shapes_are_refused_naming_the_layer_and_the_shape():
    with pytest.raises(ValueError, match=r"ZeroPadding2D\(.*\) expects samples of shape \(height, width, channels\)"):
        ZeroPadding2D(1).compute_output_shape((5, 3))
    with pytest.raises(ValueError, match=r"layer 0 \(zero_padding1d\).*Received: input shape \(5,\)"):
        Sequential([Input((5,)), ZeroPadding1D(1)])
