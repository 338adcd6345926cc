"""Ownership (DESIGN.md): who owns each array, and for how long.

* A loss's backward uses the values of its own forward call, whatever other calls
  (``evaluate`` on other batch sizes) came before.
* A parameter belongs to its layer: the array `add_param` returns is the one the
  optimizer updates, so a layer may keep it as an attribute.
* A layer instance appears once in a model; shared between two models it keeps one
  set of weights (Keras's shared layers), in one dtype.
* ``trainable = False`` freezes a layer, as in Keras.
* Non-trainable state (`add_state`) belongs to its layer: in ``get_weights`` order,
  saved and loaded, never touched by an optimizer.

Expected values come from NumPy written out here, never from tinyframe.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyframe
from tinyframe import Sequential, load_model
from tinyframe.activations import Sigmoid
from tinyframe.gradcheck import check_model, numerical_gradient
from tinyframe.layers import Dense, Layer
from tinyframe.losses import BinaryCrossEntropy, CrossEntropy, MeanAbsoluteError, SquaredError
from tinyframe.optimizers import Adam, AdamW, GradientDescent

EPS = np.finfo(np.float64).eps
GRADCHECK_TOL = 1e-6  # as tests/strategies.py: a wrong gradient gives 1e-2 and more


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def regression_data(n: int = 20, n_in: int = 3, n_out: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.random((n, n_out))


# ------------------------------------------------------------------------- a loss owns its call only
def one_hot_rows(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    return np.eye(k)[rng.integers(0, k, n)]


LOSS_CASES = {
    # name: (loss factory, the model ends in Sigmoid, targets (n, 3) from a Generator)
    "SquaredError": (SquaredError, True, lambda n, rng: rng.random((n, 3))),
    "BinaryCrossEntropy": (BinaryCrossEntropy, True, lambda n, rng: rng.integers(0, 2, (n, 3)).astype(float)),
    "CrossEntropy(from_logits=True)": (
        lambda: CrossEntropy(from_logits=True),
        False,
        lambda n, rng: one_hot_rows(n, 3, rng),
    ),
    "MeanAbsoluteError": (MeanAbsoluteError, True, lambda n, rng: rng.random((n, 3))),
}


@pytest.mark.parametrize("case", LOSS_CASES, ids=list(LOSS_CASES))
def test_a_training_step_does_not_depend_on_earlier_evaluate_calls(case):
    make_loss, ends_in_sigmoid, targets = LOSS_CASES[case]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))  # arrays of 50 x 3 float64: above NumPy's small-block cache
    Y = targets(50, rng)

    def model() -> Sequential:
        layers = [Dense(4, 5), Sigmoid(), Dense(5, 3)] + ([Sigmoid()] if ends_in_sigmoid else [])
        net = Sequential(layers, dtype="float64", seed=3)
        net.compile(loss=make_loss(), optimizer=GradientDescent(0.5))
        return net

    fit_only = model()
    fit_only.fit(X, Y, epochs=1, batch_size=None, verbose=0)
    # Every number of earlier evaluate calls, on batches of 1, 2, ..., n_sizes rows, up to 20.
    for n_sizes in range(21):
        evaluated = model()
        for rows in range(1, n_sizes + 1):
            evaluated.evaluate(X[:rows], Y[:rows], verbose=0, return_dict=True)
        evaluated.fit(X, Y, epochs=1, batch_size=None, verbose=0)
        for i, (w, expected) in enumerate(zip(evaluated.get_weights(), fit_only.get_weights())):
            np.testing.assert_allclose(
                w, expected, rtol=1e-12, err_msg=f"weights[{i}] after evaluate on {n_sizes} batch sizes, then fit"
            )


# ----------------------------------------------------------------------- a parameter has one owner
class Gain(Layer):
    """``y = x * g``, keeping its parameter and gradient as attributes (``self.g``, ``self.dg``)."""

    def __init__(self, features):
        super().__init__()
        self.features = features

    def create_params(self):
        self.g = self.add_param("g", (self.features,), "ones")
        self.dg = self.grads["g"]

    def forward(self, x, training=False):
        self._x = x
        return x * self.g

    def backward(self, grad_out):
        self.dg[...] = (grad_out * self._x).sum(axis=0)
        return grad_out * self.g

    def get_config(self):
        return {"features": self.features}


def gain_model(learning_rate: float = 0.5) -> Sequential:
    model = Sequential([Gain(3), Dense(3, 2), Sigmoid()], dtype="float64", seed=1)
    model.compile(loss=SquaredError(), optimizer=GradientDescent(learning_rate))
    return model


def test_a_parameter_kept_as_an_attribute_is_the_array_training_updates():
    X, Y = regression_data()
    model = gain_model()
    model.fit(X, Y, epochs=5, batch_size=4, verbose=0)
    gain = model.layers[0]
    assert gain.g is gain.params["g"]
    assert not np.array_equal(gain.g, np.ones(3)), "the gain was not trained"
    np.testing.assert_array_equal(model.get_weights()[0], gain.g)


def test_one_step_of_a_layer_with_attribute_parameters_matches_the_hand_computed_gradient():
    X, Y = regression_data()
    m, lr = X.shape[0], 0.3
    g = np.array([0.5, -1.0, 2.0])
    W = np.array([[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]])
    b = np.array([0.1, -0.2])
    # J = (1/m) sum 1/2 ||sigmoid((X * g) W + b) - Y||^2, and its gradient by the chain rule
    h = sigmoid((X * g) @ W + b)
    delta = (h - Y) * h * (1 - h) / m  # dJ/dz
    dW, db, dg = (X * g).T @ delta, delta.sum(axis=0), ((delta @ W.T) * X).sum(axis=0)

    def J() -> float:
        return 0.5 * np.sum((sigmoid((X * g_probe) @ W + b) - Y) ** 2) / m

    g_probe = g.copy()  # the hand formula for dJ/dg, checked by central differences
    np.testing.assert_allclose(numerical_gradient(J, g_probe), dg, rtol=1e-8, atol=1e-10)

    model = gain_model(lr)
    model.set_weights([g, W, b])
    model.fit(X, Y, epochs=1, batch_size=None, verbose=0)
    gain = model.layers[0]
    tol = np.sqrt(EPS)
    np.testing.assert_allclose(gain.g, g - lr * dg, rtol=0, atol=tol)
    np.testing.assert_allclose(gain.params["g"], g - lr * dg, rtol=0, atol=tol)
    for got, expected in zip(model.get_weights(), [g - lr * dg, W - lr * dW, b - lr * db]):
        np.testing.assert_allclose(got, expected, rtol=0, atol=tol)


# -------------------------------------------------------------- a layer instance in one place, or shared
@given(first=st.integers(min_value=0, max_value=4), gap=st.integers(min_value=1, max_value=5))
def test_a_layer_used_twice_in_one_model_is_refused_and_its_weights_stay(first, gap):
    d = Dense(3, 3)
    owner = Sequential([d, Sigmoid()], dtype="float64", seed=0)
    before = owner.get_weights()
    layers = [Sigmoid() if k % 2 else Dense(3, 3) for k in range(5)]
    layers.insert(first, d)
    layers.insert(first + gap, d)
    with pytest.raises(ValueError, match="same"):
        Sequential(layers, dtype="float64", seed=1)
    assert all(np.array_equal(w, v) for w, v in zip(owner.get_weights(), before))
    assert d.params["W"].dtype == np.float64


def test_a_layer_shared_by_two_models_keeps_one_set_of_weights():
    X, Y = regression_data(n=12, n_in=4)
    d = Dense(4, 3)
    a = Sequential([d, Sigmoid()], dtype="float64", seed=0)
    W_before, b_before = a.get_weights()
    b = Sequential([d, Sigmoid(), Dense(3, 2)], dtype="float64", seed=1)
    # building b did not re-initialise d: both models read the same arrays
    np.testing.assert_array_equal(d.params["W"], W_before)
    np.testing.assert_array_equal(d.params["b"], b_before)
    assert b.layers[0].params["W"] is a.layers[0].params["W"]
    np.testing.assert_array_equal(b.get_weights()[0], W_before)

    b.compile(loss=SquaredError(), optimizer=GradientDescent(0.5))
    b.fit(X, Y, epochs=5, batch_size=4, verbose=0)
    W_trained, b_trained = b.get_weights()[:2]
    assert not np.array_equal(W_trained, W_before), "training b did not change the shared layer"
    np.testing.assert_array_equal(a.get_weights()[0], W_trained)
    np.testing.assert_array_equal(a.get_weights()[1], b_trained)
    tol = 100 * EPS
    np.testing.assert_allclose(a.predict(X), sigmoid(X @ W_trained + b_trained), rtol=tol, atol=tol)

    # and the other way round: training a moves b's first layer
    a.compile(loss=SquaredError(), optimizer=GradientDescent(0.5))
    a.fit(X, Y[:, :1].repeat(3, axis=1), epochs=3, batch_size=None, verbose=0)
    assert not np.array_equal(a.get_weights()[0], W_trained)
    np.testing.assert_array_equal(b.get_weights()[0], a.get_weights()[0])

    result = check_model(b, X[:5], Y[:5])
    assert result.max_error < GRADCHECK_TOL, str(result)


def test_a_shared_layer_keeps_its_dtype_and_a_model_of_another_dtype_is_refused():
    d = Dense(4, 3)
    a = Sequential([d, Sigmoid()], dtype="float64", seed=0)
    before = a.get_weights()
    with pytest.raises(ValueError, match="dtype"):
        Sequential([d, Sigmoid(), Dense(3, 2)], dtype="float32", seed=1)
    assert d.params["W"].dtype == np.float64
    assert all(np.array_equal(w, v) for w, v in zip(a.get_weights(), before))


# ------------------------------------------------------------------------------------------- freezing
FROZEN = 2  # the middle Dense of three


def frozen_model(optimizer=None) -> Sequential:
    model = Sequential(
        [Dense(4, 5), Sigmoid(), Dense(5, 5), Sigmoid(), Dense(5, 2), Sigmoid()], dtype="float64", seed=0
    )
    model.layers[FROZEN].trainable = False
    model.compile(loss=SquaredError(), optimizer=optimizer)
    return model


OPTIMIZERS = {
    "GradientDescent": lambda: GradientDescent(0.5),
    "Adam": lambda: Adam(0.01),
    "AdamW": lambda: AdamW(learning_rate=0.01, weight_decay=0.1),
}


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=list(OPTIMIZERS))
def test_a_frozen_layer_keeps_its_weights_bit_for_bit(optimizer):
    X, Y = regression_data(n_in=4)
    model = frozen_model(OPTIMIZERS[optimizer]())
    frozen = {name: p.copy() for name, p in model.layers[FROZEN].params.items()}
    before = model.get_weights()
    model.fit(X, Y, epochs=5, batch_size=8, verbose=0)
    for name, p in model.layers[FROZEN].params.items():
        np.testing.assert_array_equal(p, frozen[name], err_msg=f"frozen {name}")
    after = model.get_weights()
    for i in (0, 1, 4, 5):  # W and b of the first and last Dense
        assert not np.array_equal(after[i], before[i]), f"trainable weights[{i}] did not change"


def test_one_step_moves_only_the_trainable_parameters_along_their_gradient():
    X, Y = regression_data(n_in=4)
    lr = 0.5
    model = frozen_model(GradientDescent(lr))

    def J() -> float:
        return float(model.loss.forward(model.forward(X), Y))

    trainable = [(i, name) for i in (0, 4) for name in ("W", "b")]
    before = {key: model.layers[key[0]].params[key[1]].copy() for key in [*trainable, (FROZEN, "W"), (FROZEN, "b")]}
    gradient = {(i, name): numerical_gradient(J, model.layers[i].params[name]) for i, name in trainable}

    model.fit(X, Y, epochs=1, batch_size=None, verbose=0)
    for name in ("W", "b"):
        np.testing.assert_array_equal(model.layers[FROZEN].params[name], before[FROZEN, name])
    for i, name in trainable:
        expected = before[i, name] - lr * gradient[i, name]
        np.testing.assert_allclose(model.layers[i].params[name], expected, rtol=0, atol=1e-7, err_msg=f"{i}.{name}")

    result = check_model(model, X, Y)
    assert result.max_error < GRADCHECK_TOL, str(result)


def test_summary_counts_trainable_and_non_trainable_parameters():
    model = Sequential([Dense(30, 40), Sigmoid(), Dense(40, 30), Sigmoid(), Dense(30, 2)], seed=0)
    model.layers[2].trainable = False
    captured = []
    model.summary(print_fn=captured.append)
    text = "\n".join(captured)
    trainable = (30 * 40 + 40) + (30 * 2 + 2)
    frozen = 40 * 30 + 30
    assert f"Total params: {trainable + frozen:,}" in text
    assert f"Trainable params: {trainable:,}" in text  # 1,302
    assert f"Non-trainable params: {frozen:,}" in text  # 1,230


def test_a_frozen_layer_stays_frozen_after_save_and_load(tmp_path):
    X, Y = regression_data(n_in=4)
    model = frozen_model(Adam(0.01))
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert [layer.trainable for layer in loaded.layers if layer.params] == [True, False, True]
    frozen = [p.copy() for p in loaded.layers[FROZEN].params.values()]
    loaded.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    assert all(np.array_equal(p, q) for p, q in zip(loaded.layers[FROZEN].params.values(), frozen))


def test_trainable_must_be_a_bool():
    layer = Dense(2, 3)
    assert layer.trainable is True
    with pytest.raises(TypeError, match="trainable"):
        layer.trainable = "no"
    assert layer.trainable is True


# ---------------------------------------------------------------------------------- non-trainable state
@tinyframe.register
class Counter(Layer):
    """Identity that counts the samples seen in training: non-trainable state."""

    def create_params(self):
        self.seen = self.add_state("seen", (1,), "zeros")

    def forward(self, x, training=False):
        if training:
            self.seen += x.shape[0]
        return x

    def backward(self, grad_out):
        return grad_out


def counter_model(optimizer=None) -> Sequential:
    model = Sequential([Dense(2, 3), Counter(), Dense(3, 1)], dtype="float64", seed=0)
    model.compile(loss=SquaredError(), optimizer=optimizer)
    return model


def test_state_belongs_to_its_layer_and_counts_training_samples():
    X, Y = regression_data(n=10, n_in=2, n_out=1)
    model = counter_model()
    counter = model.layers[1]
    model.fit(X, Y, epochs=3, batch_size=None, verbose=0)
    np.testing.assert_array_equal(counter.state["seen"], [30.0])
    assert counter.seen is counter.state["seen"]
    model.predict(X)  # inference does not count
    model.evaluate(X, Y, verbose=0, return_dict=True)
    np.testing.assert_array_equal(counter.seen, [30.0])


def test_state_is_in_get_weights_in_keras_order_and_set_weights_restores_it():
    X, Y = regression_data(n=10, n_in=2, n_out=1)
    model = counter_model()
    model.fit(X, Y, epochs=3, batch_size=None, verbose=0)
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(2, 3), (3,), (1,), (3, 1), (1,)]  # W0, b0, seen, W2, b2
    np.testing.assert_array_equal(weights[0], model.layers[0].params["W"])
    np.testing.assert_array_equal(weights[2], [30.0])
    np.testing.assert_array_equal(weights[3], model.layers[2].params["W"])
    weights[2] = np.array([7.0])
    model.set_weights(weights)
    counter = model.layers[1]
    np.testing.assert_array_equal(counter.state["seen"], [7.0])
    assert counter.seen is counter.state["seen"]
    model.fit(X, Y, epochs=1, batch_size=None, verbose=0)
    np.testing.assert_array_equal(counter.seen, [17.0])


@pytest.mark.parametrize(
    "optimizer",
    [lambda: GradientDescent(0.5), lambda: Adam(0.1), lambda: AdamW(learning_rate=0.1, weight_decay=0.5)],
    ids=["GradientDescent", "Adam", "AdamW"],
)
def test_an_optimizer_never_changes_state(optimizer):
    X, Y = regression_data(n=10, n_in=2, n_out=1)
    model = counter_model(optimizer())
    before = model.get_weights()
    model.fit(X, Y, epochs=3, batch_size=4, verbose=0)  # batches of 4, 4 and 2 rows
    np.testing.assert_array_equal(model.layers[1].state["seen"], [30.0])
    after = model.get_weights()
    assert not np.array_equal(after[0], before[0]) and not np.array_equal(after[3], before[3])


def test_state_round_trips_through_save_and_load(tmp_path):
    X, Y = regression_data(n=10, n_in=2, n_out=1)
    model = counter_model(Adam(0.1))
    model.fit(X, Y, epochs=3, batch_size=None, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))
    np.testing.assert_array_equal(loaded.layers[1].state["seen"], [30.0])
    assert loaded.layers[1].seen is loaded.layers[1].state["seen"]
    loaded.fit(X, Y, epochs=1, batch_size=None, verbose=0)
    np.testing.assert_array_equal(loaded.layers[1].seen, [40.0])


def test_evaluate_leaves_the_compiled_loss_untouched():
    # evaluate computes its loss in an object of its own, so a forward/backward pair on the
    # model's loss (a training step; another thread's evaluate) is never interleaved with it.
    rng = np.random.default_rng(4)
    model = Sequential([Dense(3, 2)], dtype="float64", seed=0)
    model.compile(loss=SquaredError())
    a, b = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    model.loss.forward(a, b)
    model.evaluate(rng.normal(size=(7, 3)), rng.normal(size=(7, 2)))
    np.testing.assert_allclose(model.loss.backward(), (a - b) / 5, rtol=4 * EPS, atol=0)
