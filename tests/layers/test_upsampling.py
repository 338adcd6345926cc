"""UpSampling1D and UpSampling2D against nearest upsampling by loops, values by hand, central differences,
Keras 3's outputs and shapes, configs and refusals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, _scratch, gradcheck
from tinyframe.layers import Conv1D, Conv2D, Dense, Flatten, Input, UpSampling1D, UpSampling2D
from tinyframe.losses import SquaredError

from ..strategies import arrays, batch_sizes, record, seeds

LAYER = {1: UpSampling1D, 2: UpSampling2D}


def reference(x, sizes, g):
    """y and dJ/dx for ``J = sum(g * y)``, by loops: output position p reads input position p // size."""
    out = [n * s for n, s in zip(x.shape[1:-1], sizes)]
    y, dx = np.zeros((x.shape[0], *out, x.shape[-1])), np.zeros_like(x)
    for b in range(x.shape[0]):
        for p in itertools.product(*map(range, out)):
            o = tuple(pj // s for pj, s in zip(p, sizes))
            y[(b, *p)] = x[(b, *o)]
            dx[(b, *o)] += g[(b, *p)]
    return y, dx


@given(st.sampled_from([1, 2]), st.data(), batch_sizes)
def test_forward_and_backward_match_loops(rank, data, m):
    spatial = tuple(data.draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    sizes = tuple(data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    layer = LAYER[rank](sizes[0] if rank == 1 else sizes)
    x = data.draw(arrays((m, *spatial, data.draw(st.integers(1, 3)))))
    y = layer.forward(x)
    g = data.draw(arrays(y.shape))
    y_ref, dx_ref = reference(x, sizes, g)
    np.testing.assert_array_equal(y, y_ref)
    assert y.shape[1:] == layer.compute_output_shape(x.shape[1:])
    np.testing.assert_allclose(layer.backward(g), dx_ref, rtol=0, atol=1e-12)


def test_hand_computed_values():
    np.testing.assert_array_equal(UpSampling1D(3).forward(np.array([[[1.0], [2.0]]]))[0, :, 0], [1, 1, 1, 2, 2, 2])
    layer = UpSampling2D((2, 1))
    x = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    np.testing.assert_array_equal(layer.forward(x)[0, :, :, 0], [[1, 2], [1, 2], [3, 4], [3, 4]])
    grad = np.arange(8.0).reshape(1, 4, 2, 1)  # [[0, 1], [2, 3], [4, 5], [6, 7]]: rows 0+1 and 2+3 add up
    np.testing.assert_array_equal(layer.backward(grad)[0, :, :, 0], [[2, 4], [10, 12]])
    assert UpSampling2D().compute_output_shape((7, 7, 16)) == (14, 14, 16)
    assert UpSampling1D().compute_output_shape((5, 3)) == (10, 3)


@given(st.sampled_from([1, 2]), st.data(), batch_sizes, seeds)
def test_gradients_with_a_convolution_in_front(rank, data, m, seed):
    spatial = tuple(data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    size = data.draw(st.integers(1, 3))
    front = (Conv1D if rank == 1 else Conv2D)(2, 1, activation="tanh")  # a kernel of 1: any input fits
    model = Sequential(
        [Input((*spatial, 2)), front, LAYER[rank](size), Flatten(), Dense(2)], dtype="float64", seed=seed
    )
    model.compile(loss=SquaredError())
    X, Y = data.draw(arrays((m, *spatial, 2))), data.draw(arrays((m, 2)))
    record(f"UpSampling{rank}D", gradcheck.check_model(model, X, Y))


def test_work_arrays_reused_as_in_fit_give_the_fresh_answer():
    layer = UpSampling2D((2, 3))
    x1, x2 = np.ones((2, 3, 2, 1)), np.arange(12.0).reshape(2, 3, 2, 1)
    fresh = layer.forward(x2).copy()
    with _scratch.Scratch():
        layer.forward(x1)
        np.testing.assert_array_equal(layer.forward(x2), fresh)


def test_configs_round_trip_and_keras_argument_forms():
    assert UpSampling1D().get_config() == {"size": 2} and UpSampling1D(3).size == 3
    assert UpSampling2D().get_config() == {"size": [2, 2], "interpolation": "nearest"}
    layer = UpSampling2D([1, 3], data_format="channels_last", interpolation="NEAREST")
    assert layer.size == (1, 3) and UpSampling2D.from_config(layer.get_config()).size == (1, 3)
    assert repr(UpSampling2D(2)) == "UpSampling2D(2)" and repr(UpSampling1D(4)) == "UpSampling1D(4)"


@pytest.mark.parametrize(
    "make, error, message",
    [
        (
            lambda: UpSampling2D(interpolation="bilinear"),
            ValueError,
            r'UpSampling2D: only interpolation="nearest" is supported.*Received: interpolation=\'bilinear\'',
        ),
        (lambda: UpSampling2D(data_format="channels_first"), ValueError, r"only data_format='channels_last'"),
        (lambda: UpSampling1D(0), ValueError, r"UpSampling1D: size must be 1 integer\(s\) >= 1. Received: size=0"),
        (lambda: UpSampling1D(1.5), TypeError, r"UpSampling1D: size must be an integer .*Received: size=1.5"),
        (lambda: UpSampling2D((2, 2, 2)), ValueError, r"UpSampling2D: size must be 2 integer\(s\) >= 1"),
    ],
)
def test_bad_arguments_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_shapes_are_refused_naming_the_layer():
    with pytest.raises(ValueError, match=r"UpSampling2D\(2\) expects samples of shape \(height, width, channels\)"):
        UpSampling2D().compute_output_shape((4, 3))
    with pytest.raises(ValueError, match=r"layer 1 \(up_sampling1d\).*expects samples of shape \(steps, channels\)"):
        Sequential([Input((6,)), Dense(4), UpSampling1D()])


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras's torch-to-NumPy copy
@pytest.mark.parametrize(
    "name, kwargs, shape",
    [
        ("UpSampling1D", {}, (4, 3)),
        ("UpSampling1D", {"size": 3}, (1, 2)),
        ("UpSampling2D", {}, (3, 4, 2)),
        ("UpSampling2D", {"size": (1, 3)}, (2, 5, 1)),
        ("UpSampling2D", {"size": 3}, (1, 1, 3)),
    ],
    ids=str,
)
def test_outputs_and_shapes_are_keras_s(keras, name, kwargs, shape):
    ours, theirs = LAYER[int(name[-2])](**kwargs), getattr(keras.layers, name)(**kwargs)
    x = np.random.default_rng(0).standard_normal((2, *shape))
    expected = keras.ops.convert_to_numpy(theirs(x.astype("float32")))
    np.testing.assert_array_equal(ours.forward(x.astype("float32")), expected)  # copies: exact
    assert (None, *ours.compute_output_shape(shape)) == tuple(theirs.compute_output_shape((None, *shape)))
