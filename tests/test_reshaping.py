"""Flatten and Reshape: values by hand, Keras's -1, the gradient back in the input's shape, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, load_model
from tinyframe.activations import Tanh
from tinyframe.layers import Dense, Flatten, Input, Reshape
from tinyframe.losses import SquaredError

from .strategies import arrays, batch_sizes, record, seeds

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)
small_shapes = shapes.filter(lambda shape: math.prod(shape) <= 12)  # few enough weights for finite differences


def test_flatten_keeps_c_order_and_its_gradient_comes_back_in_the_input_shape():
    x = np.arange(12.0).reshape(2, 3, 2)
    layer = Flatten()
    np.testing.assert_array_equal(layer.forward(x), [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])
    np.testing.assert_array_equal(layer.backward(np.arange(12.0).reshape(2, 6) * 10), x * 10)
    assert Flatten().compute_output_shape((28, 28, 1)) == (784,) and Flatten().compute_output_shape((5,)) == (5,)


def test_reshape_fills_in_minus_one_as_keras():
    assert Reshape((2, -1)).compute_output_shape((3, 4)) == (2, 6)
    assert Reshape((-1, 1)).compute_output_shape((40,)) == (40, 1)
    assert Reshape([4, 3]).compute_output_shape((12,)) == (4, 3)
    x = np.arange(24.0).reshape(2, 12)
    y = Reshape((3, -1)).forward(x)
    assert y.shape == (2, 3, 4) and y[1, 2, 3] == 23 and y[0, 1, 0] == 4


@given(shapes, batch_sizes, st.randoms(use_true_random=False))
def test_any_factoring_reshapes_and_the_backward_undoes_it(shape, m, random):
    """Reshape to a random factoring of the sample (one axis as -1): backward(forward(x)) is x itself."""
    size = math.prod(shape)
    target, rest = [], size
    while rest > 1 and random.random() < 0.7:
        d = random.choice([d for d in range(1, rest + 1) if rest % d == 0])
        target.append(d)
        rest //= d
    target.insert(random.randint(0, len(target)), -1)
    layer = Reshape(tuple(target))
    x = np.arange(m * size, dtype=float).reshape(m, *shape)
    y = layer.forward(x)
    assert y.shape == (m, *layer.compute_output_shape(shape)) and math.prod(y.shape) == x.size
    np.testing.assert_array_equal(y.ravel(), x.ravel())
    np.testing.assert_array_equal(layer.backward(y), x)


@given(st.data(), small_shapes, batch_sizes, seeds)
def test_gradients_through_reshape_and_flatten_in_a_model(data, shape, m, seed):
    size = math.prod(shape)
    model = Sequential(
        [Input((size,)), Dense(size), Reshape(shape), Tanh(), Dense(2), Flatten(), Dense(2)], dtype="float64", seed=seed
    )
    model.compile(loss=SquaredError())
    record("Reshape+Flatten", gradcheck.check_model(model, data.draw(arrays((m, size))), data.draw(arrays((m, 2)))))


def test_a_model_with_them_fits_saves_and_loads(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 6, 2)), rng.integers(0, 2, 40)
    model = Sequential([Input((6, 2)), Flatten(), Dense(8), Reshape((2, -1)), Tanh(), Flatten(), Dense(2)], seed=0)
    model.compile(loss="mse", optimizer="adam")
    model.fit(X, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.layers[2].get_config() == {"target_shape": [2, -1]}
    assert np.array_equal(loaded.predict(X), model.predict(X))
    model.summary()
    table = capsys.readouterr().out
    assert "(None, 12)" in table and "(None, 2, 4)" in table and "(None, 8)" in table


@pytest.mark.parametrize(
    "target, error, message",
    [
        (12, TypeError, "Reshape: target_shape must be a non-empty tuple of ints .* Received: target_shape=12"),
        ((), TypeError, r"Received: target_shape=\(\)"),
        ((-1, -1), ValueError, r"at most one -1. Received: target_shape=\(-1, -1\)"),
        ((3, 0), ValueError, r"positive ints and at most one -1. Received: target_shape=\(3, 0\)"),
        ((2.0, 3), ValueError, "positive ints"),
        ((True, 3), ValueError, "positive ints"),
    ],
)
def test_bad_target_shapes_are_refused(target, error, message):
    with pytest.raises(error, match=message):
        Reshape(target)


def test_a_target_the_input_cannot_fill_is_refused_with_the_layer_named():
    with pytest.raises(ValueError, match=r"Reshape\(target_shape=\[5, -1\]\): the input's 12 values per sample do not"):
        Reshape((5, -1)).compute_output_shape((3, 4))
    with pytest.raises(ValueError, match=r"do not fill target_shape \(4, 4\). Received: input shape \(3, 4\)"):
        Reshape((4, 4)).compute_output_shape((3, 4))
    with pytest.raises(ValueError, match=r"layer 1 \(reshape\).*Received: input shape \(3,\)"):
        Sequential([Input((5,)), Dense(3), Reshape((2, 2))])
