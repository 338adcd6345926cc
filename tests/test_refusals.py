"""A call that raises changes nothing, and every argument is checked at the call that receives it.

`fit` refused before its first step leaves weights, optimizer state, the Generator,
``history`` and the compiled settings as they were (`tinyframe._snapshot`).
"""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Sequential
from tinyframe.activations import ReLU, Sigmoid
from tinyframe.callbacks import EarlyStopping, History
from tinyframe.layers import Dense, Dropout
from tinyframe.losses import CrossEntropy
from tinyframe.optimizers import Adam


def state_of(model):
    """Everything a refused fit must leave alone."""
    return {
        "weights": model.get_weights(),
        "rng": model.rng.bit_generator.state,
        "history": model.history,
        "compiled": (model.loss, model.optimizer, dict(model.metrics)),
        "optimizer": None
        if model.optimizer is None
        else (
            model.optimizer.iterations,
            {k: {n: v.copy() for n, v in s.items()} for k, s in model.optimizer.state.items()},
        ),
    }


def assert_unchanged(model, before):
    after = state_of(model)
    assert all(np.array_equal(a, b) for a, b in zip(after["weights"], before["weights"]))
    assert after["rng"] == before["rng"]
    assert after["history"] is before["history"]
    assert all(a is b for a, b in zip(after["compiled"][:2], before["compiled"][:2]))
    assert after["compiled"][2] == before["compiled"][2]
    if before["optimizer"] is not None:
        iterations, slots = before["optimizer"]
        assert model.optimizer.iterations == iterations and model.optimizer.state.keys() == slots.keys()
        for key, values in slots.items():
            assert all(np.array_equal(model.optimizer.state[key][n], v) for n, v in values.items())


def trained_relu_model():
    """ReLU outputs (not probabilities), trained once so that history and optimizer state exist."""
    rng = np.random.default_rng(0)
    model = Sequential([Dense(4, 6), Dropout(0.5), Dense(6, 3), ReLU()], seed=0)
    model.compile(loss="mse", optimizer=Adam(0.01))
    model.fit(rng.normal(size=(20, 4)), rng.integers(0, 3, 20), epochs=2, batch_size=5, verbose=0)
    return model, rng


def test_a_loss_that_refuses_the_first_outputs_leaves_the_model_as_it_was():
    model, rng = trained_relu_model()
    model.compile(loss=CrossEntropy(), optimizer=model.optimizer)  # probabilities expected; ReLU gives > 1
    X, y = 5 * rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    before = state_of(model)
    with pytest.raises(ValueError, match=r"expects probabilities in \[0, 1\]"):
        model.fit(X, y, epochs=3, batch_size=4, validation_split=0.2, verbose=0)  # shuffles, splits, dropout
    assert_unchanged(model, before)


def test_fit_on_bad_data_does_not_compile_an_uncompiled_model():
    model = Sequential([Dense(2, 1), Sigmoid()], seed=0)
    before = state_of(model)
    with pytest.raises(TypeError, match="X must contain real numbers"):
        model.fit(None, [1, 0], verbose=0, batch_size=None)
    assert model.loss is None and model.optimizer is None
    assert_unchanged(model, before)


@pytest.mark.parametrize("shuffle", ["no", None, 2, 1.0])
def test_shuffle_must_be_a_bool(shuffle):
    model = Sequential([Dense(2, 1)], seed=0)
    with pytest.raises(TypeError, match=f"shuffle must be True or False. Received: shuffle={shuffle!r}"):
        model.fit(np.ones((4, 2)), np.ones(4), shuffle=shuffle, verbose=0, batch_size=None)


def test_masked_values_are_refused_and_an_unmasked_masked_array_is_its_data():
    model = Sequential([Dense(2, 1)], dtype="float64", seed=0)
    X = np.ma.masked_array(np.ones((4, 2)), mask=[[0, 0], [0, 1], [0, 0], [0, 0]])
    with pytest.raises(ValueError, match=r"X is a masked array with 1 masked value\(s\)"):
        model.predict(X)
    clear = np.ma.masked_array(np.arange(8.0).reshape(4, 2), mask=False)
    assert np.array_equal(model.predict(clear), model.predict(np.arange(8.0).reshape(4, 2)))


def test_an_unknown_initializer_is_refused_by_the_layer_constructor():
    with pytest.raises(ValueError, match="Unknown initializer.*Received: 'nope'"):
        Dense(3, 3, kernel_initializer="nope")
    with pytest.raises(ValueError, match="Unknown initializer.*Received: 'nada'"):
        Dense(3, 3, bias_initializer="nada")


def test_a_single_callback_is_taken_as_a_list_of_one():
    rng = np.random.default_rng(1)
    model = Sequential([Dense(2, 1)], dtype="float64", seed=0)
    stop = EarlyStopping(monitor="loss", patience=0)
    history = model.fit(
        rng.normal(size=(8, 2)), rng.normal(size=8), epochs=50, callbacks=stop, verbose=0, batch_size=None
    )
    assert isinstance(history, History) and stop.model is model
    with pytest.raises(TypeError, match="callbacks must be a list of Callback instances. Received: 'stop'"):
        model.fit(np.ones((4, 2)), np.ones(4), callbacks="stop", verbose=0, batch_size=None)


def test_validation_data_of_four_items_says_what_it_received():
    model = Sequential([Dense(2, 1)], seed=0)
    X, y = np.ones((4, 2)), np.ones(4)
    message = r"sample_weight_val\]\), or a generator or PyDataset of such batches\. Received: a tuple of 4 items"
    with pytest.raises(TypeError, match=message):
        model.fit(X, y, validation_data=(X, y, np.ones(4), None), verbose=0, batch_size=None)
    with pytest.raises(ValueError, match=r"sample_weight of X_val must have shape \(4,\), one weight per sample"):
        model.fit(X, y, validation_data=(X, y, np.ones(3)), verbose=0, batch_size=None)


def test_evaluate_that_raises_leaves_an_uncompiled_model_uncompiled():
    model = Sequential([Dense(2, 3), ReLU()], seed=0)
    with pytest.raises(TypeError, match="X must contain real numbers"):
        model.evaluate(None, [0, 1])
    assert model.loss is None and model.optimizer is None
    model.layers[0].params["b"][...] = 5.0  # outputs above 1: not probabilities
    model.compile(loss=CrossEntropy())
    loss, optimizer = model.loss, model.optimizer
    with pytest.raises(ValueError, match=r"expects probabilities in \[0, 1\]"):
        model.evaluate(np.ones((2, 2)), [0, 1])
    assert model.loss is loss and model.optimizer is optimizer


# ---------------------------------------------------------------- issue 26, items 11 and 14
@pytest.mark.parametrize(
    "class_weight, error, match",
    [
        ({10**9: 1.0}, ValueError, r"class 1000000000 is not one the model outputs \(its classes are 0 to 2\)"),
        ({3: 1.0}, ValueError, r"class 3 is not one the model outputs"),
        ({0: None}, TypeError, r"the weight of class 0 must be a number. Received: NoneType None"),
        ({0: "2"}, TypeError, r"the weight of class 0 must be a number. Received: str '2'"),
    ],
)
def test_class_weight_for_a_class_the_model_cannot_output_or_not_a_number_is_refused(class_weight, error, match):
    model = Sequential([Dense(4, 3)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    before = model.get_weights()
    with pytest.raises(error, match=match):
        model.fit(np.ones((6, 4)), [0, 1, 2, 0, 1, 2], class_weight=class_weight, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))


@pytest.mark.parametrize(
    "returned, match",
    [
        (None, r"train_step must return a dict of numbers by name, such as \{'loss': loss\}.*Received: NoneType None"),
        ("done", r"Received: str 'done'"),
        (np.zeros(3), r"Received: ndarray"),
        ({"loss": np.zeros(3)}, r"'loss' is a ndarray, not a number"),
        ({"loss": "low"}, r"'loss' is a str, not a number"),
    ],
)
def test_a_custom_train_step_returning_something_else_than_numbers_is_told_what_to_return(returned, match):
    class Odd(Sequential):
        def train_step(self, data):
            return returned

    model = Odd([Dense(4, 3)], dtype="float64", seed=0)
    model.compile(optimizer="sgd")
    with pytest.raises(TypeError, match=match):
        model.fit(np.ones((6, 4)), np.ones((6, 3)), verbose=0)
    with pytest.raises(TypeError, match=match.replace("train_step", "train_step")):
        model.train_on_batch(np.ones((6, 4)), np.ones((6, 3)))


def test_a_custom_train_step_may_log_no_loss_as_keras_allows():
    class Quiet(Sequential):
        def train_step(self, data):
            return {"seen": 1}

    model = Quiet([Dense(4, 3)], dtype="float64", seed=0)
    model.compile(optimizer="sgd")
    assert model.fit(np.ones((6, 4)), np.ones((6, 3)), verbose=0).history == {"seen": [1.0]}


def test_a_config_nested_thousands_deep_is_a_value_error_not_a_recursion_error():
    from tinyframe.layers import Bidirectional

    deep = {}
    inner = deep
    for _ in range(100_000):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(ValueError, match=r"Bidirectional.layer \(LSTM\) cannot be created from its saved config"):
        Bidirectional.from_config({"layer": {"class_name": "LSTM", "config": {"units": 2, "x": deep}}})
