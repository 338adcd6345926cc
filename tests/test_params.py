"""Parameters live in one block per build; add_param's array is the one training updates, through copies too."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from tinyframe import Sequential
from tinyframe._params import trainable_runs
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense, Layer


def test_a_model_built_in_one_go_is_one_block_and_one_run():
    model = Sequential([Dense(3, 4), Sigmoid(), Dense(4, 2)], dtype="float64", seed=0)
    runs = trainable_runs(model.layers)
    keys = [("dense", "W"), ("dense", "b"), ("dense_1", "W"), ("dense_1", "b")]
    assert [list(run.key) for run in runs] == [keys] and runs[0].params.size == 3 * 4 + 4 + 4 * 2 + 2
    assert all(np.shares_memory(p, runs[0].params) for p in model.params)
    model.layers[0].params["W"][0, 0] = 7.0
    assert runs[0].params[0] == 7.0 and model.get_weights()[0][0, 0] == 7.0


def test_the_same_seed_gives_the_same_initial_weights_as_building_the_layers_one_by_one():
    # Planning draws no random numbers, so the weights are those of the layers built in order.
    rng = np.random.default_rng(5)
    by_hand = [Dense(3, 4).build(dtype="float64", rng=rng), Dense(4, 2).build(dtype="float64", rng=rng)]
    model = Sequential([Dense(3, 4), Sigmoid(), Dense(4, 2)], dtype="float64", seed=5)
    expected = [p for layer in by_hand for p in layer.params.values()]
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), expected))


class Gain(Layer):
    """y = x * g; ``rebind`` chooses between writing the gradient in place and assigning a new array."""

    def __init__(self, features, rebind=False):
        super().__init__()
        self.features, self.rebind = features, rebind

    def create_params(self):
        self.g = self.add_param("g", (self.features,), "ones")

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

    def get_config(self):
        return {"features": self.features, "rebind": self.rebind}


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(20, 3)), rng.integers(0, 2, 20)


def test_a_layer_that_rebinds_its_gradient_trains_like_one_that_writes_in_place():
    X, y = data()
    weights = []
    for rebind in (False, True):
        model = Sequential([Gain(3, rebind), Dense(3, 2), Sigmoid()], dtype="float64", seed=1)
        model.fit(X, y, epochs=5, batch_size=4, verbose=0)
        weights.append(model.get_weights())
    assert not np.array_equal(weights[0][0], np.ones(3))  # the gain was trained
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


def test_a_pickled_or_copied_model_keeps_training_like_the_original_and_keeps_attribute_links():
    X, y = data()
    model = Sequential([Gain(3), Dense(3, 4), Sigmoid(), Dense(4, 2), Sigmoid()], dtype="float64", seed=1)
    model.compile(optimizer="adam")
    model.fit(X, y, epochs=2, batch_size=5, verbose=0)
    clones = [pickle.loads(pickle.dumps(model)), copy.deepcopy(model)]
    for m in [model, *clones]:
        m.fit(X, y, epochs=3, batch_size=5, verbose=0)
    for clone in clones:
        assert len(trainable_runs(clone.layers)) == 1  # one block again
        assert clone.layers[0].g is clone.layers[0].params["g"]  # the attribute follows the parameter
        assert all(np.array_equal(a, b) for a, b in zip(clone.get_weights(), model.get_weights()))
        assert not np.shares_memory(clone.params[0], model.params[0])


def test_create_params_that_changes_between_its_two_passes_is_refused():
    class Moody(Layer):
        calls = 0

        def create_params(self):
            Moody.calls += 1
            self.add_param("w", (Moody.calls,), "zeros")

    with pytest.raises(RuntimeError, match="build asked for more parameters than it declared"):
        Sequential([Moody()]).build((3,))


def test_add_param_and_add_state_refuse_a_name_used_twice():
    class Twice(Layer):
        def create_params(self):
            self.add_param("w", (2,), "zeros")
            self.add_state("w", (2,), "zeros")

    with pytest.raises(ValueError, match="the name 'w' is already used"):
        Twice().build()


def test_create_params_that_makes_other_shapes_the_second_time_is_refused():
    class Fickle(Layer):
        calls = 0

        def create_params(self):
            Fickle.calls += 1
            self.add_param("w", (2, 3) if Fickle.calls == 1 else (3, 2), "zeros")

    with pytest.raises(RuntimeError, match=r"created parameters of shapes \[\(3, 2\)\] after planning \[\(2, 3\)\]"):
        Fickle().build()


@pytest.mark.parametrize("name", ["", "a/b", 3])
def test_a_parameter_name_must_be_a_plain_string(name):
    class Named(Layer):
        def create_params(self):
            self.add_param(name, (1,), "zeros")

    with pytest.raises(ValueError, match="name must be a non-empty string without '/'"):
        Named().build()


def test_add_param_outside_create_params_is_refused():
    layer = Dense(2, 2).build()
    with pytest.raises(RuntimeError, match=r"add_param is called from build\(input_shape\)"):
        layer.add_param("extra", (2,), "zeros")
    assert list(layer.params) == ["W", "b"]


def test_one_optimizer_cannot_train_two_models():
    from tinyframe.optimizers import Momentum

    optimizer = Momentum(0.1)
    first = Sequential([Dense(2, 1)], seed=0)
    first.compile(optimizer=optimizer)
    first.compile(optimizer=optimizer)  # compiling the same model again is fine
    second = Sequential([Dense(2, 1)], seed=0)
    with pytest.raises(ValueError, match="this Momentum already trains another model"):
        second.compile(optimizer=optimizer)
    assert second.optimizer is None


def test_optimizer_state_that_does_not_fit_its_parameter_is_refused_at_fit():
    from tinyframe.optimizers import Momentum

    model = Sequential([Dense(2, 1, name="d")], dtype="float64", seed=0)
    model.compile(optimizer=Momentum(0.1))
    model.optimizer.state = {("d", "W"): {"velocity": np.zeros(5)}}  # put in by hand, for another shape
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"fit: optimizer state \('d', 'W'\)/'velocity' must be shaped like"):
        model.fit(np.ones((3, 2)), np.ones(3), verbose=0, batch_size=None)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


def test_state_under_a_key_that_names_no_parameter_is_left_alone_by_fit_and_refused_by_save(tmp_path):
    from tinyframe.optimizers import Momentum

    optimizer = Momentum(0.1)
    optimizer.step([np.zeros(5)], [np.ones(5)])  # state for a stand-alone array, keyed by its list index 0
    velocity = optimizer.state[0]["velocity"].copy()
    model = Sequential([Dense(2, 1)], dtype="float64", seed=0)
    model.compile(optimizer=optimizer)
    model.fit(np.ones((3, 2)), np.ones(3), verbose=0, batch_size=None)
    assert np.array_equal(optimizer.state[0]["velocity"], velocity)  # untouched
    with pytest.raises(ValueError, match=r"save: the optimizer holds state under the key 0, which names no param"):
        model.save(tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


# ---------------------------------------------------------------- keys: (layer name, parameter name)
def test_freezing_a_layer_changes_which_parameters_are_stepped_never_a_key_or_a_state_array():
    from tinyframe.optimizers import Momentum

    model = Sequential([Dense(3, 4, name="a"), Sigmoid(), Dense(4, 2, name="b")], dtype="float64", seed=0)
    model.compile(optimizer=Momentum(0.1, momentum=0.5))
    X, y = np.random.default_rng(1).random((6, 3)), np.random.default_rng(2).random((6, 2))
    model.fit(X, y, epochs=2, verbose=0, batch_size=None)
    keys = [("a", "W"), ("a", "b"), ("b", "W"), ("b", "b")]
    state = model.optimizer.state
    assert list(state) == keys
    arrays = {key: state[key]["velocity"] for key in keys}
    frozen = {key: arrays[key].copy() for key in keys[:2]}

    model.layers[0].trainable = False
    model.fit(X, y, epochs=1, verbose=0, batch_size=None)
    assert list(model.optimizer.state) == keys
    assert all(model.optimizer.state[key]["velocity"] is arrays[key] for key in keys)  # the same arrays
    for key in keys[:2]:
        np.testing.assert_array_equal(arrays[key], frozen[key])  # a frozen layer's state waits, unchanged

    model.layers[0].trainable = True  # its velocity continues from where it stopped
    w = model.layers[0].params["W"].copy()
    model.fit(X, y, epochs=1, verbose=0, batch_size=None)
    g = model.layers[0].grads["W"]
    velocity = 0.5 * frozen[("a", "W")] - 0.1 * g
    np.testing.assert_allclose(model.optimizer.state[("a", "W")]["velocity"], velocity, rtol=1e-15, atol=1e-17)
    np.testing.assert_allclose(model.layers[0].params["W"], w + velocity, rtol=1e-15, atol=1e-17)


def test_a_custom_optimizer_sees_the_keys_of_what_it_steps():
    from tinyframe.optimizers import GradientDescent

    class Recording(GradientDescent):
        def update(self, key, param, grad):
            self.seen.append(tuple(key))
            super().update(key, param, grad)

    optimizer = Recording(0.1)
    optimizer.seen = []
    model = Sequential([Dense(3, 4, name="a"), Sigmoid(), Dense(4, 2, name="b")], dtype="float64", seed=0)
    model.compile(optimizer=optimizer)
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0, batch_size=None)
    model.layers[2].trainable = False
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0, batch_size=None)
    assert optimizer.seen == [(("a", "W"), ("a", "b"), ("b", "W"), ("b", "b")), (("a", "W"), ("a", "b"))]


def test_a_run_s_state_is_made_of_its_parameters_state_arrays():
    """One flat slot per run for the update, whose pieces are the per-parameter arrays (no copy either way)."""
    model = Sequential([Dense(3, 4, name="a"), Dense(4, 2, name="b")], dtype="float64", seed=0)
    model.compile(optimizer="adam")
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0, batch_size=None)
    (run,) = model._runs
    flat = model.optimizer.slot(run.key, "m", run.params)
    assert flat.shape == run.params.shape
    for key in run.key:
        assert np.shares_memory(model.optimizer.state[key]["m"], flat)
    flat[:] = 7.0
    assert all(np.all(model.optimizer.state[key]["m"] == 7.0) for key in run.key)


def test_state_from_a_file_or_by_hand_is_taken_into_the_run_s_flat_slot():
    from tinyframe.optimizers import Momentum

    model = Sequential([Dense(2, 1, name="d")], dtype="float64", seed=0)
    model.compile(optimizer=Momentum(0.1, momentum=0.5))
    given = np.array([[1.0], [2.0]])
    model.optimizer.state = {("d", "W"): {"velocity": given.copy()}}
    w = model.layers[0].params["W"].copy()
    model.fit(np.zeros((3, 2)), np.zeros(3), verbose=0, batch_size=None)  # zero inputs: W's gradient is 0
    np.testing.assert_array_equal(model.layers[0].params["W"], w + 0.5 * given)
    pieces = [model.optimizer.state[("d", name)]["velocity"] for name in ("W", "b")]
    assert pieces[0].base is not None and pieces[0].base is pieces[1].base  # views of the run's one flat slot
