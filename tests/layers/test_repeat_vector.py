"""RepeatVector against repetition by loops, values by hand, central differences, Keras 3, config and refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck
from tinyframe.layers import GRU, Dense, Flatten, Input, RepeatVector
from tinyframe.losses import SquaredError

from ..strategies import arrays, batch_sizes, record, seeds


@given(st.integers(1, 4), st.integers(1, 4), batch_sizes, st.data())
def test_forward_and_backward_match_loops(n, features, m, data):
    layer = RepeatVector(n)
    x = data.draw(arrays((m, features)))
    y = layer.forward(x)
    g = data.draw(arrays(y.shape))
    y_ref, dx_ref = np.zeros((m, n, features)), np.zeros_like(x)
    for b in range(m):
        for t in range(n):
            y_ref[b, t] = x[b]
            dx_ref[b] += g[b, t]
    np.testing.assert_array_equal(y, y_ref)
    assert y.shape[1:] == layer.compute_output_shape((features,))
    np.testing.assert_allclose(layer.backward(g), dx_ref, rtol=0, atol=1e-12)


def test_hand_computed_values():
    layer = RepeatVector(2)
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 2.0, 3.0]])), [[[1, 2, 3], [1, 2, 3]]])
    np.testing.assert_array_equal(layer.backward(np.array([[[1.0, 0.0, 2.0], [10.0, 20.0, 30.0]]])), [[11, 20, 32]])


@given(st.integers(1, 3), st.integers(1, 3), batch_sizes, seeds, st.data())
def test_gradients_with_a_dense_in_front(n, features, m, seed, data):
    """The Dense after the Flatten weighs each copy differently, so the backward's sum over copies is exercised."""
    model = Sequential(
        [Input((features,)), Dense(3, activation="tanh"), RepeatVector(n), Flatten(), Dense(2)],
        dtype="float64",
        seed=seed,
    )
    model.compile(loss=SquaredError())
    X, Y = data.draw(arrays((m, features))), data.draw(arrays((m, 2)))
    record("RepeatVector", gradcheck.check_model(model, X, Y))


def test_a_decoder_reads_the_repeated_vector_as_a_sequence():
    model = Sequential([Input((4,)), Dense(3), RepeatVector(5), GRU(2, return_sequences=True)], seed=0)
    assert model.output_shape == (5, 2) and model.predict(np.ones((2, 4)), verbose=0).shape == (2, 5, 2)


def test_config_round_trip():
    assert RepeatVector(3).get_config() == {"n": 3}
    assert RepeatVector.from_config({"n": 3}).n == 3


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: RepeatVector(0), ValueError, r"RepeatVector: n must be an integer >= 1. Received: n=0"),
        (lambda: RepeatVector(2.0), TypeError, r"RepeatVector: n must be an integer. Received: n=2.0"),
        (lambda: RepeatVector(True), TypeError, r"RepeatVector: n must be an integer. Received: n=True"),
    ],
)
def test_bad_arguments_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_samples_that_are_not_vectors_are_refused_naming_the_layer():
    with pytest.raises(ValueError, match=r"RepeatVector\(n=3\) expects samples that are vectors.*Flatten.*\(4, 2\)"):
        RepeatVector(3).compute_output_shape((4, 2))
    with pytest.raises(ValueError, match=r"layer 0 \(repeat_vector\).*Received: input shape \(4, 2\)"):
        Sequential([Input((4, 2)), RepeatVector(3)])


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras's torch-to-NumPy copy
@pytest.mark.parametrize("n, features", [(1, 3), (4, 2), (3, 1)])
def test_outputs_and_shapes_are_keras_s(keras, n, features):
    x = np.random.default_rng(0).standard_normal((5, features)).astype("float32")
    theirs = keras.layers.RepeatVector(n)
    np.testing.assert_array_equal(RepeatVector(n).forward(x), keras.ops.convert_to_numpy(theirs(x)))
    assert (None, *RepeatVector(n).compute_output_shape((features,))) == tuple(
        theirs.compute_output_shape((None, features))
    )
