"""One flat array holds every parameter; layers keep views, and rebinding layers stay correct."""

from __future__ import annotations

import numpy as np

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense, Layer


def test_layer_parameters_are_views_of_one_flat_array():
    model = Sequential([Dense(3, 4), Sigmoid(), Dense(4, 2)], dtype="float64", seed=0)
    assert model.flat.params.size == 3 * 4 + 4 + 4 * 2 + 2
    for p in model.params:
        assert np.shares_memory(p, model.flat.params)
    model.layers[0].params["W"][0, 0] = 7.0
    assert model.flat.params[0] == 7.0 and model.get_weights()[0][0, 0] == 7.0


class Gain(Layer):
    """y = x * g; ``rebind`` chooses between writing the gradient in place and assigning a new array."""

    def __init__(self, features, rebind):
        super().__init__()
        self.features, self.rebind = features, rebind

    def create_params(self):
        self.add_param("g", (self.features,), "ones")

    def forward(self, x, training=False):
        self._x = x
        return x * self.params["g"]

    def backward(self, grad_out):
        grad = (grad_out * self._x).sum(axis=0)
        if self.rebind:
            self.grads["g"] = grad  # a new array: the model must notice
        else:
            self.grads["g"][...] = grad
        return grad_out * self.params["g"]


def test_a_layer_that_rebinds_its_gradient_trains_like_one_that_writes_in_place():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    weights = []
    for rebind in (False, True):
        model = Sequential([Gain(3, rebind), Dense(3, 2), Sigmoid()], dtype="float64", seed=1)
        model.fit(X, y, epochs=5, batch_size=4, verbose=0)
        weights.append(model.get_weights())
    assert not np.array_equal(weights[0][0], np.ones(3))  # the gain was trained
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


def test_a_pickled_or_copied_model_keeps_training_like_the_original():
    import copy
    import pickle

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    model = Sequential([Dense(3, 4), Sigmoid(), Dense(4, 2), Sigmoid()], dtype="float64", seed=1)
    model.fit(X, y, epochs=2, batch_size=5, verbose=0)
    clones = [pickle.loads(pickle.dumps(model)), copy.deepcopy(model)]
    for m in [model, *clones]:
        m.fit(X, y, epochs=3, batch_size=5, verbose=0)
    for clone in clones:
        assert all(np.shares_memory(p, clone.flat.params) for p in clone.params)
        assert all(np.array_equal(a, b) for a, b in zip(clone.get_weights(), model.get_weights()))
