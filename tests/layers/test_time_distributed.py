"""TimeDistributed: every step through the same layer; its gradients against central differences; saving."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, load_model
from tinyframe.activations import Tanh
from tinyframe.layers import Conv1D, Dense, Flatten, Input, TimeDistributed
from tinyframe.losses import SquaredError

from ..strategies import arrays, record, seeds


def test_each_step_is_the_wrapped_layer_on_that_step():
    layer = TimeDistributed(Dense(3, activation="tanh")).build((4, 2), dtype="float64", rng=0)
    x = np.random.default_rng(0).standard_normal((5, 4, 2))
    y = layer.forward(x)
    W, b = layer.params["W"], layer.params["b"]
    for t in range(4):  # the definition, step by step
        np.testing.assert_allclose(y[:, t], np.tanh(x[:, t] @ W + b), rtol=1e-12)
    assert layer.count_params() == 2 * 3 + 3 and layer.compute_output_shape((4, 2)) == (4, 3)


@given(st.data(), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), seeds)
def test_gradients_through_time_distributed_layers(data, T, features, m, seed):
    model = Sequential(
        [Input((T, 4, features)), TimeDistributed(Conv1D(2, 3, padding="same")), Tanh(), Flatten(), Dense(2)],
        dtype="float64",
        seed=seed,
    )
    model.compile(loss=SquaredError())
    X = data.draw(arrays((m, T, 4, features)))
    record("TimeDistributed", gradcheck.check_model(model, X, data.draw(arrays((m, 2), 0.25, 1))))


def test_a_model_with_it_trains_saves_and_loads(tmp_path):
    model = Sequential([Input((3, 2)), TimeDistributed(Dense(4)), Flatten(), Dense(1)], seed=0)
    model.compile(loss="mse", optimizer="adam")
    X = np.random.default_rng(0).standard_normal((16, 3, 2))
    model.fit(X, np.zeros((16, 1)), epochs=2, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_refusals_name_what_is_wrong():
    with pytest.raises(ValueError, match="expected sequences .* Received: input shape \\(3,\\)"):
        TimeDistributed(Dense(2)).compute_output_shape((3,))
    with pytest.raises(ValueError, match="must be new"):
        TimeDistributed(Dense(2).build((3,)))
    with pytest.raises(TypeError, match="must be a tinyframe Layer"):
        TimeDistributed(print)
