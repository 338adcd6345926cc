"""Cropping1D and Cropping2D against cropping by loops, values by hand, central differences, Keras 3's
argument forms, outputs and shapes, configs and refusals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, _scratch, gradcheck
from tinyframe.layers import Conv2D, Cropping1D, Cropping2D, Dense, Flatten, Input, ZeroPadding2D
from tinyframe.losses import SquaredError

from ..strategies import arrays, batch_sizes, record, seeds

LAYER = {1: Cropping1D, 2: Cropping2D}


def reference(x, pairs, g):
    """y and dJ/dx for ``J = sum(g * y)``, by loops: output position p is input position p + before."""
    out = [n - lo - hi for n, (lo, hi) in zip(x.shape[1:-1], pairs)]
    y, dx = np.zeros((x.shape[0], *out, x.shape[-1])), np.zeros_like(x)
    for b in range(x.shape[0]):
        for p in itertools.product(*map(range, out)):
            o = tuple(pj + lo for pj, (lo, _) in zip(p, pairs))
            y[(b, *p)] = x[(b, *o)]
            dx[(b, *o)] = g[(b, *p)]
    return y, dx


@st.composite
def crops(draw, rank, max_n=5):
    """Spatial sizes and ``(before, after)`` pairs that leave at least one position on every axis."""
    spatial, pairs = [], []
    for _ in range(rank):
        n = draw(st.integers(1, max_n))
        lo = draw(st.integers(0, n - 1))
        spatial.append(n)
        pairs.append((lo, draw(st.integers(0, n - 1 - lo))))
    return tuple(spatial), tuple(pairs)


@given(st.sampled_from([1, 2]), st.data(), batch_sizes)
def test_forward_and_backward_match_loops(rank, data, m):
    spatial, pairs = data.draw(crops(rank))
    layer = LAYER[rank](pairs[0] if rank == 1 else pairs)
    x = data.draw(arrays((m, *spatial, data.draw(st.integers(1, 3)))))
    y = layer.forward(x)
    g = data.draw(arrays(y.shape))
    y_ref, dx_ref = reference(x, pairs, g)
    np.testing.assert_array_equal(y, y_ref)
    assert y.shape[1:] == layer.compute_output_shape(x.shape[1:])
    np.testing.assert_array_equal(layer.backward(g), dx_ref)


def test_hand_computed_values_and_cropping_undoes_zero_padding():
    x = np.arange(5.0).reshape(1, 5, 1)
    np.testing.assert_array_equal(Cropping1D().forward(x)[0, :, 0], [1, 2, 3])
    np.testing.assert_array_equal(Cropping1D((0, 3)).forward(x)[0, :, 0], [0, 1])
    layer = Cropping1D((2, 1))
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(np.array([[[10.0], [20.0]]]))[0, :, 0], [0, 0, 10, 20, 0])
    image = np.random.default_rng(0).standard_normal((2, 3, 4, 2))
    padding = ((1, 2), (0, 3))
    np.testing.assert_array_equal(Cropping2D(padding).forward(ZeroPadding2D(padding).forward(image)), image)
    assert Cropping2D().compute_output_shape((5, 6, 3)) == (5, 6, 3)  # Keras's default cuts nothing


@given(st.data(), batch_sizes, seeds)
def test_gradients_with_a_convolution_in_front(data, m, seed):
    spatial, pairs = data.draw(crops(2, max_n=4))
    model = Sequential(
        [Input((*spatial, 2)), Conv2D(2, 1, activation="tanh"), Cropping2D(pairs), Flatten(), Dense(2)],
        dtype="float64",
        seed=seed,
    )
    model.compile(loss=SquaredError())
    X, Y = data.draw(arrays((m, *spatial, 2))), data.draw(arrays((m, 2)))
    record("Cropping2D", gradcheck.check_model(model, X, Y))


def test_the_zero_border_of_the_gradient_survives_reused_work_arrays():
    layer = Cropping2D(((1, 1), (2, 0)))
    x = np.ones((2, 4, 5, 1))
    g1, g2 = np.full((2, 2, 3, 1), 7.0), np.arange(12.0).reshape(2, 2, 3, 1)
    layer.forward(x)
    fresh = layer.backward(g2).copy()
    with _scratch.Scratch():
        layer.forward(x)
        layer.backward(g1)
        layer.forward(x)
        np.testing.assert_array_equal(layer.backward(g2), fresh)


def test_kerass_argument_forms_and_configs():
    assert Cropping1D().cropping == ((1, 1),) and Cropping1D(2).cropping == ((2, 2),)
    assert Cropping1D([0, 3]).cropping == ((0, 3),)
    assert Cropping2D().cropping == ((0, 0), (0, 0)) and Cropping2D(1).cropping == ((1, 1), (1, 1))
    assert Cropping2D((1, 2)).cropping == ((1, 1), (2, 2)) and Cropping2D(((1, 0), 2)).cropping == ((1, 0), (2, 2))
    layer = Cropping2D(((1, 0), (2, 3)), data_format="channels_last")
    assert layer.get_config() == {"cropping": [[1, 0], [2, 3]]}
    assert Cropping2D.from_config(layer.get_config()).cropping == layer.cropping
    assert repr(Cropping1D((0, 3))) == "Cropping1D((0, 3))"


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: Cropping1D(-1), ValueError, r"Cropping1D: cropping must hold ints >= 0. Received: cropping=-1"),
        (lambda: Cropping1D(1.5), TypeError, r"Cropping1D: cropping must be an int or a tuple"),
        (lambda: Cropping1D((1, 2, 3)), ValueError, r"an int or \(left, right\). Received: cropping=\(1, 2, 3\)"),
        (lambda: Cropping2D((1, 2, 3)), ValueError, r"Cropping2D: cropping must be an int, \(rows, cols\)"),
        (lambda: Cropping2D(((1,), (2, 3))), ValueError, r"\(\(top, bottom\), \(left, right\)\)"),
        (lambda: Cropping2D(data_format="channels_first"), ValueError, r"only data_format='channels_last'"),
    ],
)
def test_bad_arguments_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_crops_that_leave_nothing_and_wrong_ranks_are_refused_naming_the_layer():
    with pytest.raises(ValueError, match=r"Cropping1D\(\(2, 2\)\) expects spatial sizes larger than what it cuts off"):
        Cropping1D(2).compute_output_shape((4, 3))
    with pytest.raises(ValueError, match=r"cuts off, \(1, 4\). Received: input shape \(5, 4, 1\)"):
        Cropping2D(((1, 0), (2, 2))).compute_output_shape((5, 4, 1))
    with pytest.raises(ValueError, match=r"Cropping2D\(.*\) expects samples of shape \(height, width, channels\)"):
        Cropping2D().compute_output_shape((5, 3))
    with pytest.raises(ValueError, match=r"layer 0 \(cropping1d\).*Received: input shape \(3, 2\)"):
        Sequential([Input((3, 2)), Cropping1D((2, 1))])
    assert Cropping1D((2, 1)).compute_output_shape((4, 2)) == (1, 2)  # one step left is enough


KERAS_CASES = [
    ("Cropping1D", {}, (5, 2)),
    ("Cropping1D", {"cropping": (0, 3)}, (4, 3)),
    ("Cropping1D", {"cropping": 2}, (6, 1)),
    ("Cropping2D", {}, (3, 4, 2)),
    ("Cropping2D", {"cropping": 1}, (4, 5, 2)),
    ("Cropping2D", {"cropping": (1, 2)}, (4, 6, 1)),
    ("Cropping2D", {"cropping": ((2, 0), (1, 3))}, (5, 5, 3)),
]


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras's torch-to-NumPy copy
@pytest.mark.parametrize("name, kwargs, shape", KERAS_CASES, ids=str)
def test_outputs_and_shapes_are_keras_s(keras, name, kwargs, shape):
    ours, theirs = LAYER[int(name[-2])](**kwargs), getattr(keras.layers, name)(**kwargs)
    x = np.random.default_rng(0).standard_normal((2, *shape)).astype("float32")
    np.testing.assert_array_equal(ours.forward(x), keras.ops.convert_to_numpy(theirs(x)))  # copies: exact
    assert (None, *ours.compute_output_shape(shape)) == tuple(theirs.compute_output_shape((None, *shape)))


TOO_MUCH = [("Cropping1D", {"cropping": (2, 2)}, (4, 3)), ("Cropping2D", {"cropping": ((1, 1), (0, 3))}, (4, 3, 1))]


@pytest.mark.parametrize("name, kwargs, shape", TOO_MUCH, ids=str)
def test_keras_refuses_the_same_crops(keras, name, kwargs, shape):
    with pytest.raises(ValueError):
        getattr(keras.layers, name)(**kwargs).compute_output_shape((None, *shape))
    with pytest.raises(ValueError, match=r"expects spatial sizes larger than what it cuts off"):
        LAYER[int(name[-2])](**kwargs).compute_output_shape(shape)
