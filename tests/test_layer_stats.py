"""LayerStats: the recorded numbers against a forward and backward by hand, and training left bit-identical."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Sequential
from tinyframe.activations import ReLU, Sigmoid, Softmax, Tanh
from tinyframe.callbacks import LayerStats
from tinyframe.layers import BatchNormalization, Dense, Dropout, GaussianNoise
from tinyframe.optimizers import Adam, GradientDescent


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 5)), rng.integers(0, 3, n)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def two_layer_net():
    model = Sequential([Dense(5, 4), Sigmoid(), Dense(4, 3), Sigmoid()], dtype="float64", seed=1)
    model.compile(optimizer=GradientDescent(0.5))
    return model


def test_gradient_norms_and_activations_equal_a_forward_and_backward_by_hand():
    X, y = data()
    Xs, ys = X[:16], y[:16]
    model = two_layer_net()
    stats = LayerStats(Xs, ys)
    model.fit(X, y, epochs=2, batch_size=8, verbose=0, callbacks=[stats])
    # The article's backprop on the measuring batch, at the final weights, in plain NumPy.
    W1, b1, W2, b2 = model.get_weights()
    Y = np.eye(3)[ys]
    z1 = Xs @ W1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + b2
    h = sigmoid(z2)
    delta2 = (h - Y) / len(Xs) * h * (1 - h)  # J = 1/(2m) sum ||h - y||^2
    delta1 = delta2 @ W2.T * a1 * (1 - a1)
    expected = {"dense/W": Xs.T @ delta1, "dense/b": delta1.sum(0)}
    expected.update({"dense_1/W": a1.T @ delta2, "dense_1/b": delta2.sum(0)})
    assert stats.epochs == [0, 1]
    for key, grad in expected.items():
        assert len(stats.grad_norm[key]) == 2
        np.testing.assert_allclose(stats.grad_norm[key][-1], np.linalg.norm(grad), rtol=1e-12)
    for name, out in {"dense": z1, "sigmoid": a1, "dense_1": z2, "sigmoid_1": h}.items():
        # a mean may sit near 0 by cancellation: its error is relative to the values summed
        np.testing.assert_allclose(stats.activation_mean[name][-1], out.mean(), rtol=1e-12, atol=1e-13 * abs(out).max())
        np.testing.assert_allclose(stats.activation_std[name][-1], out.std(), rtol=1e-12)


def test_update_ratio_is_the_epochs_change_relative_to_the_weights_it_started_from():
    X, y = data()
    model = two_layer_net()
    before = model.get_weights()
    stats = LayerStats(X, y)
    model.fit(X, y, epochs=1, batch_size=8, verbose=0, callbacks=[stats])
    after = model.get_weights()
    for key, w0, w1 in zip(["dense/W", "dense/b", "dense_1/W", "dense_1/b"], before, after):
        if np.any(w0):
            np.testing.assert_allclose(stats.update_ratio[key], [np.linalg.norm(w1 - w0) / np.linalg.norm(w0)], 1e-12)
        else:  # biases start at zero: no relative change is defined
            assert np.isnan(stats.update_ratio[key]).all(), key
    assert any(not np.any(w) for w in before)  # the NaN branch was exercised


@pytest.mark.parametrize(
    "activation, thresholds, expected",
    [
        (Sigmoid, {}, 2 / 4),  # |z| > 4: 5 and -6
        (Tanh, {}, 3 / 4),  # |z| > 2: 3, 5 and -6
        (Tanh, {"tanh_threshold": 5.5}, 1 / 4),
        (Sigmoid, {"sigmoid_threshold": 0.5}, 4 / 4),
    ],
)
def test_saturation_is_the_fraction_of_inputs_beyond_the_threshold(activation, thresholds, expected):
    model = Sequential([Dense(1, 4), activation(), Dense(4, 1)], dtype="float64", seed=0)
    model.compile(loss="mse", optimizer=GradientDescent(1e-9))  # a step far too small to move z across a threshold
    model.set_weights([np.array([[1.0, 3.0, 5.0, -6.0]]), np.zeros(4), np.ones((4, 1)), np.zeros(1)])
    stats = LayerStats(np.ones((3, 1)), np.zeros((3, 1)), **thresholds)
    model.fit(np.ones((3, 1)), np.zeros((3, 1)), epochs=2, verbose=0, callbacks=[stats])
    name = model.layers[1].name
    assert list(stats.saturation) == [name]  # only the Sigmoid or Tanh layer
    assert stats.saturation[name] == [expected, expected]


def test_relu_layers_have_no_saturation_entry():
    X, y = data()
    model = Sequential([Dense(5, 4), ReLU(), Dense(4, 3), Softmax()], dtype="float64", seed=0)
    model.compile(loss="categorical_crossentropy")
    stats = LayerStats(X, y)
    model.fit(X, y, epochs=1, verbose=0, callbacks=[stats])
    assert stats.saturation == {}
    assert set(stats.activation_std) == {"dense", "re_lu", "dense_1", "softmax"}


def train(with_stats, dtype="float32"):
    X, y = data(n=64, seed=3)
    model = Sequential(
        [Dense(5, 8), BatchNormalization(), Tanh(), Dropout(0.3), GaussianNoise(0.1), Dense(8, 3), Sigmoid()],
        dtype=dtype,
        seed=7,
    )
    model.compile(optimizer=Adam(0.01), metrics=["accuracy"])
    callbacks = [LayerStats(X[:20], y[:20])] if with_stats else []
    history = model.fit(X, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=callbacks)
    return model, history, model.rng.random(3)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_is_bit_identical_with_and_without_the_callback(dtype):
    with_stats, history, draws = train(True, dtype)
    without, history_without, draws_without = train(False, dtype)
    for a, b in zip(with_stats.get_weights(), without.get_weights()):  # BatchNormalization's running statistics too
        np.testing.assert_array_equal(a, b)
    assert history.history == history_without.history
    np.testing.assert_array_equal(draws, draws_without)  # the Generator is where it would have been
    for a, b in zip(with_stats.grads, without.grads):  # the last step's gradients are left as they were
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("value", [0, -1.0, "4", True, float("nan")])
def test_a_threshold_must_be_a_positive_number(value):
    with pytest.raises(ValueError, match=r"LayerStats: tanh_threshold must be a positive number. Received"):
        LayerStats(np.ones((2, 5)), [0, 1], tanh_threshold=value)


def test_a_batch_that_does_not_fit_the_model_is_refused_before_training():
    X, y = data()
    model = two_layer_net()
    model.build((5,))
    before = model.get_weights()
    with pytest.raises(ValueError, match="LayerStats X"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[LayerStats(np.ones((4, 6)), [0, 1, 2, 0])])
    with pytest.raises(ValueError, match="LayerStats y"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[LayerStats(X[:4], [0, 1])])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_graph_with_a_skip_and_a_shared_layer_is_measured_call_by_call():
    """Each call of a layer of a functional Model, by hand: the skip's sum, and a shared Tanh's two calls apart."""
    from tinyframe import Input, Model
    from tinyframe.layers import Add

    X, y = data()
    inputs = Input((5,))
    squash = Tanh()
    hidden = Dense(5, name="hidden")(inputs)
    out = Dense(3, name="head")(squash(Add(name="skip")([squash(inputs), hidden])))
    model = Model(inputs, out, dtype="float64", seed=0)
    model.compile(optimizer=GradientDescent(0.1))
    stats = LayerStats(X[:8], y[:8])
    model.fit(X, y, epochs=1, batch_size=8, verbose=0, callbacks=[stats])
    W, b = model.get_layer("hidden").get_weights()
    first = np.tanh(X[:8])
    second = np.tanh(first + X[:8] @ W + b)
    assert set(stats.activation_mean) == {"hidden", "tanh", "skip", "tanh[1]", "head"}
    np.testing.assert_allclose(stats.activation_mean["tanh"][-1], first.mean(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(stats.activation_std["tanh[1]"][-1], second.std(), rtol=1e-12)
    assert stats.saturation["tanh"][-1] == np.mean(np.abs(X[:8]) > 2.0)
