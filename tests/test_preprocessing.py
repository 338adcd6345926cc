"""Rescaling and Normalization (Keras's preprocessing layers) against hand values, NumPy's statistics and Keras.

References: golden values worked out by hand; `adapt`'s statistics against ``np.mean`` and
``np.var`` over the axes other than ``axis``; central-difference gradient checks (float64)
with a Dense in front, so the input gradient is exercised; Keras 3 itself (torch backend)
when it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, load_model
from tinyframe.layers import Dense, Input, Normalization, Rescaling

from .strategies import arrays, record, seeds

EPS32 = float(np.finfo(np.float32).eps)
DTYPES = ["float32", "float64"]


# ------------------------------------------------------------------------------------------ golden values
@pytest.mark.parametrize("dtype", DTYPES)
def test_rescaling_golden_values(dtype):
    layer = Rescaling(1 / 127.5, offset=-1.0).build((3,), dtype=dtype)
    y = layer.forward(np.array([[0.0, 127.5, 255.0]], dtype))
    assert y.dtype == dtype and np.allclose(y, [[-1.0, 0.0, 1.0]], atol=4 * EPS32)
    grad = layer.backward(np.array([[1.0, 2.0, -3.0]], dtype))
    np.testing.assert_allclose(grad, np.array([[2.0, 4.0, -6.0]]) / 255, rtol=2 * EPS32)


def test_rescaling_per_channel_broadcasts_on_the_last_axis():
    layer = Rescaling([1.0, 10.0], offset=[0.5, -1.0]).build((3, 2), dtype="float64")
    x = np.arange(6.0).reshape(1, 3, 2)  # channels (0, 2, 4) and (1, 3, 5)
    assert np.array_equal(layer.forward(x), [[[0.5, 9.0], [2.5, 29.0], [4.5, 49.0]]])
    assert np.array_equal(layer.backward(np.ones((1, 3, 2))), [[[1.0, 10.0]] * 3])
    assert layer.compute_output_shape((3, 2)) == (3, 2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_normalization_golden_values(dtype):
    # Features (0, 2, 0, 2) and (7, 9, 7, 9): means 1 and 8, population variances 1 and 1.
    layer = Normalization()
    layer.adapt(np.array([[0.0, 7.0], [2.0, 9.0], [0.0, 7.0], [2.0, 9.0]]))
    layer.build((2,), dtype=dtype)
    assert np.array_equal(layer.forward(np.array([[0.0, 10.0]], dtype)), np.array([[-1.0, 2.0]], dtype))
    given = Normalization(mean=[1.0, 3.0], variance=[4.0, 0.25]).build((2,), dtype=dtype)  # std 2 and 0.5
    assert np.array_equal(given.forward(np.array([[5.0, 4.0]], dtype)), np.array([[2.0, 2.0]], dtype))
    assert np.array_equal(given.backward(np.array([[1.0, 1.0]], dtype)), np.array([[0.5, 2.0]], dtype))
    inverted = Normalization(mean=[1.0, 3.0], variance=[4.0, 0.25], invert=True).build((2,), dtype=dtype)
    assert np.array_equal(inverted.forward(np.array([[2.0, 2.0]], dtype)), np.array([[5.0, 4.0]], dtype))
    assert np.array_equal(inverted.backward(np.array([[1.0, 1.0]], dtype)), np.array([[2.0, 0.5]], dtype))


def test_normalization_of_a_constant_feature_divides_by_keras_epsilon():
    layer = Normalization(mean=[3.0], variance=[0.0]).build((1,), dtype="float64")
    assert np.array_equal(layer.forward(np.array([[3.0], [3.5]])), [[0.0], [0.5 / 1e-7]])


def test_normalization_axis_none_uses_one_mean_and_variance():
    layer = Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))  # mean 3, variance 2
    y = layer.build((3,), dtype="float64").forward(np.array([[1.0, 3.0, 5.0]]))
    assert np.allclose(y, np.array([[-2.0, 0.0, 2.0]]) / np.sqrt(2.0), rtol=0, atol=1e-15)
    assert layer.state["mean"].shape == ()


# ---------------------------------------------------------------------------------------- adapt statistics
@pytest.mark.parametrize("axis", [-1, 1, 2, None])
def test_adapt_statistics_are_numpy_mean_and_population_variance_over_the_other_axes(axis):
    X = np.random.default_rng(0).normal(3.0, 2.0, (40, 3, 5))
    layer = Normalization(axis=axis)
    layer.adapt(X)
    layer.build((3, 5), dtype="float64")
    reduced = tuple(i for i in range(3) if axis is None or i != axis % 3)
    mean, var = np.mean(X, axis=reduced), np.var(X, axis=reduced)
    assert layer.state["mean"].shape == mean.shape == (() if axis is None else X.shape[axis:][:1])
    np.testing.assert_allclose(layer.state["mean"], mean, rtol=1e-13)
    np.testing.assert_allclose(layer.state["variance"], var, rtol=1e-13)
    keep = () if axis is None else tuple(X.shape[i] if i == axis % 3 else 1 for i in range(3))
    expected = (X - mean.reshape(keep)) / np.sqrt(var.reshape(keep))
    np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-12, atol=1e-12)


def test_adapt_on_a_built_layer_overwrites_its_state_in_place():
    layer = Normalization()
    model = Sequential([Input((2,)), layer], dtype="float64")  # Keras allows adapt after the model, too
    held = layer.state["mean"]
    layer.adapt(np.array([[1.0, 10.0], [3.0, 30.0]]))
    assert layer.state["mean"] is held and np.array_equal(held, [2.0, 20.0])
    assert np.array_equal(model.predict(np.array([[3.0, 30.0]])), [[1.0, 1.0]])


# ----------------------------------------------------------------------------------------- gradient checks
@given(st.data(), st.integers(1, 4), st.integers(1, 4), st.booleans(), seeds)
def test_rescaling_gradients_with_a_dense_in_front(data, n_in, width, per_channel, seed):
    factors = st.floats(0.1, 3.0) | st.floats(-3.0, -0.1)  # a factor near 0 leaves a gradient below rounding
    scale = data.draw(st.lists(factors, min_size=width, max_size=width)) if per_channel else 2.5
    model = Sequential([Dense(n_in, width), Rescaling(scale, offset=0.5), Dense(width, 2)], dtype="float64", seed=seed)
    model.compile(loss="mse", optimizer="sgd")
    X, Y = data.draw(arrays((3, n_in))), data.draw(arrays((3, 2)))
    record("Rescaling", gradcheck.check_model(model, X, Y))


@given(st.data(), st.integers(1, 4), st.integers(1, 4), st.booleans(), seeds)
def test_normalization_gradients_with_a_dense_in_front(data, n_in, width, invert, seed):
    norm = Normalization(invert=invert)
    norm.adapt(data.draw(arrays((5, width), low=-10.0, high=10.0)))
    model = Sequential([Dense(n_in, width), norm, Dense(width, 2)], dtype="float64", seed=seed)
    model.compile(loss="mse", optimizer="sgd")
    X, Y = data.draw(arrays((3, n_in))), data.draw(arrays((3, 2)))
    record(f"Normalization(invert={invert})", gradcheck.check_model(model, X, Y))


@given(st.data(), st.sampled_from([-1, 1, None]), seeds)
def test_normalization_gradients_of_rank_3_inputs(data, axis, seed):
    norm = Normalization(axis, mean=0.5, variance=2.0) if axis is None else Normalization(axis)
    if axis is not None:
        norm.adapt(data.draw(arrays((4, 3, 2))))
    model = Sequential([Input((3, 2)), Dense(2), norm, Dense(1)], dtype="float64", seed=seed)
    model.compile(loss="mse", optimizer="sgd")
    record(
        f"Normalization(axis={axis})", gradcheck.check_model(model, data.draw(arrays((2, 3, 2))), np.ones((2, 3, 1)))
    )


# ------------------------------------------------------------------------------------------ Keras's flow
@pytest.fixture(scope="module")
def digits():
    datasets, selection = pytest.importorskip("sklearn.datasets"), pytest.importorskip("sklearn.model_selection")
    d = datasets.load_digits()
    X_train, X_test, y_train, y_test = selection.train_test_split(d.data, d.target, test_size=0.25, random_state=0)
    return X_train, y_train, X_test, y_test


@pytest.mark.parametrize("dtype", DTYPES)
def test_keras_flow_adapt_then_model_then_fit_learns_digits(digits, dtype, tmp_path):
    X_train, y_train, X_test, y_test = digits
    norm = Normalization()
    norm.adapt(X_train)  # before the model exists: build takes the remembered statistics
    layers = [Input((64,)), norm, Dense(32, activation="relu"), Dense(10, activation="softmax")]
    model = Sequential(layers, dtype=dtype, seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    statistics = [w.copy() for w in norm.get_weights()]
    model.fit(X_train, y_train, epochs=8, batch_size=32, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(statistics, norm.get_weights()))  # fit never moves them
    assert model.evaluate(X_test, y_test, verbose=0, return_dict=True)["accuracy"] > 0.9
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert np.array_equal(loaded.predict(X_test), model.predict(X_test))
    assert all(np.array_equal(a, b) for a, b in zip(loaded.layers[0].get_weights(), statistics))


def test_rescaling_in_front_of_a_model_equals_rescaled_inputs(digits):
    X_train, y_train, X_test, _ = digits
    a = Sequential([Input((64,)), Rescaling(1 / 16), Dense(10, activation="softmax")], dtype="float64", seed=0)
    b = Sequential([Input((64,)), Dense(10, activation="softmax")], dtype="float64", seed=0)
    for model, X in ((a, X_train), (b, X_train / 16)):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(X, y_train, epochs=2, batch_size=64, verbose=0)
    np.testing.assert_allclose(a.predict(X_test), b.predict(X_test / 16), rtol=1e-12, atol=1e-14)


def test_summary_counts_the_statistics_as_non_trainable(capsys):
    norm = Normalization(mean=[0.0] * 5, variance=[1.0] * 5)
    Sequential([Input((5,)), norm, Rescaling(2.0), Dense(1)]).summary()
    out = capsys.readouterr().out
    assert "Non-trainable params: 11" in out and "Trainable params: 6" in out  # 5 means, 5 variances, the count


# ------------------------------------------------------------------------------------------------ refusals
@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: Rescaling("2"), TypeError, r"Rescaling: scale must be a real number .*Received: scale='2'"),
        (lambda: Rescaling(1.0, [[1.0]]), TypeError, "Rescaling: offset must be"),
        (lambda: Rescaling([]), TypeError, "non-empty flat list"),
        (lambda: Rescaling(float("nan")), ValueError, "Rescaling: scale must be finite"),
        (lambda: Normalization(axis=0), ValueError, "Normalization: axis must not be the batch axis"),
        (lambda: Normalization(axis=(1, 2)), TypeError, "Normalization: axis must be an integer or None"),
        (lambda: Normalization(mean=1.0), ValueError, "give both mean and variance"),
        (lambda: Normalization(mean=[1.0], variance=[1.0, 2.0]), ValueError, "same length"),
        (lambda: Normalization(mean=1.0, variance=-1.0), ValueError, "variance must be >= 0"),
        (lambda: Normalization(invert=1), TypeError, "Normalization: invert must be True or False"),
    ],
)
def test_bad_arguments_are_refused(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_per_channel_rescaling_refuses_another_channel_count():
    with pytest.raises(ValueError, match=r"layer 0 \(rescaling\).*scale has 3 values.*input shape \(2,\)"):
        Sequential([Input((2,)), Rescaling([1.0, 2.0, 3.0])])


def test_an_adapted_feature_count_that_differs_from_the_input_is_refused_naming_the_layer():
    norm = Normalization(name="norm")
    norm.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"layer 0 \(norm\).*statistics of 3 features.*input has 5"):
        Sequential([Input((5,)), norm])
    with pytest.raises(ValueError, match=r"statistics of 3 features"):
        Sequential([Input((3,)), norm]).layers[0].adapt(np.ones((4, 2)))


def test_an_unadapted_layer_is_refused_when_used_and_says_to_call_adapt():
    model = Sequential([Input((3,)), Normalization(), Dense(1)])
    with pytest.raises(ValueError, match=r"'normalization'\) has no mean and variance yet: call its adapt\(data\)"):
        model.predict(np.ones((2, 3)))


@pytest.mark.parametrize(
    "data, error, match",
    [
        (np.array([["a"]]), TypeError, "data must be an array of numbers"),
        (np.ones((0, 3)), ValueError, "non-empty array of finite numbers"),
        (np.array([[np.inf, 1.0]]), ValueError, "non-empty array of finite numbers"),
        (np.ones(4), ValueError, "axis -1.*at least 2 axes"),
    ],
)
def test_bad_adapt_data_is_refused_and_leaves_the_layer_unadapted(data, error, match):
    layer = Normalization()
    with pytest.raises(error, match=match):
        layer.adapt(data)
    assert layer.get_config()["mean"] is None


def test_config_round_trips_through_from_config():
    layer = Normalization(axis=1, mean=[1.0, 2.0], variance=[3.0, 4.0], invert=True)
    clone = Normalization.from_config(layer.get_config())
    assert clone.get_config() == {"axis": 1, "mean": [1.0, 2.0], "variance": [3.0, 4.0], "invert": True}
    assert Rescaling.from_config(Rescaling([1, 2], 3).get_config()).get_config() == {"scale": [1.0, 2.0], "offset": 3.0}


# ------------------------------------------------------------------------------------- Keras as the oracle
@pytest.fixture
def keras(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"keras was imported with the {keras.backend.backend()} backend before this test")
    return keras


@pytest.mark.parametrize("axis", [-1, 1, None])
@pytest.mark.parametrize("invert", [False, True])
def test_normalization_matches_keras(keras, axis, invert):
    rng = np.random.default_rng(0)
    data, x = rng.normal(5.0, 3.0, (50, 4, 3)).astype("float32"), rng.normal(5.0, 3.0, (7, 4, 3)).astype("float32")
    data[:, 0, 0] = 2.0  # a constant feature: Keras's epsilon decides
    theirs = keras.layers.Normalization(axis=axis, invert=invert)
    theirs.adapt(data)
    ours = Normalization(axis=axis, invert=invert)
    ours.adapt(data)
    expected = keras.ops.convert_to_numpy(theirs(x))
    got = Sequential([Input((4, 3)), ours], dtype="float32").predict(x)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * float(np.abs(expected).max()))


def test_rescaling_matches_keras(keras):
    x = np.random.default_rng(1).uniform(0, 255, (6, 5, 3)).astype("float32")
    for scale, offset in ((1 / 127.5, -1.0), ([0.5, 2.0, -1.0], 0.25)):
        expected = keras.ops.convert_to_numpy(keras.layers.Rescaling(scale, offset)(x))
        got = Sequential([Input((5, 3)), Rescaling(scale, offset)], dtype="float32").predict(x)
        np.testing.assert_allclose(got, expected, rtol=2 * EPS32, atol=2 * EPS32 * float(np.abs(expected).max()))


def test_forward_takes_any_leading_axes_but_refuses_another_feature_count():
    layer = Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0]).build((3,), dtype="float64")
    assert np.array_equal(layer.forward(np.full((2, 5, 3), 4.0)), np.full((2, 5, 3), 1.0) * [3.0, 1.0, 1 / 3])
    with pytest.raises(ValueError, match=r"holds statistics of 3 features on axis -1\. Received: .*\(4,\)"):
        layer.forward(np.ones((2, 4)))


def test_weights_loaded_into_an_unadapted_twin_make_it_ready(tmp_path):
    """Keras's flow: the same architecture built anew, then ``load_weights``/``set_weights``: the statistics come back.

    Whether the layer has statistics is itself part of its state (``count``, as Keras's
    Normalization keeps), so it travels with the weights instead of sitting on the object.
    """
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(50, 4))
    norm = Normalization()
    norm.adapt(X)
    model = Sequential([Input((4,)), norm, Dense(2)], dtype="float64", seed=0)
    model.save_weights(tmp_path / "w.npz")
    twin = Sequential([Input((4,)), Normalization(), Dense(2)], dtype="float64", seed=1)
    with pytest.raises(ValueError, match="has no mean and variance yet: call its adapt"):
        twin.predict(X)
    twin.load_weights(tmp_path / "w.npz")
    np.testing.assert_array_equal(twin.predict(X), model.predict(X))
    other = Sequential([Input((4,)), Normalization(), Dense(2)], dtype="float64", seed=2)
    other.set_weights(model.get_weights())
    np.testing.assert_array_equal(other.predict(X), model.predict(X))


# ---------------------------------------------------------------- issue 26, item 3: statistics the dtype cannot hold
def test_adapt_on_data_whose_variance_overflows_the_model_dtype_is_refused_naming_the_feature():
    model = Sequential([Input((3,)), Normalization(), Dense(1)], dtype="float32", seed=0)
    layer = model.layers[0]
    before = [w.copy() for w in model.get_weights()]
    X = np.ones((4, 3), "float32")
    X[:, 2] = [1e20, -1e20, 1e20, -1e20]  # finite in float32; its variance, 1e40, is not
    with pytest.raises(ValueError, match=r"feature 2 .*1e\+40.* float32"):
        layer.adapt(X)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before))
    model.get_config()  # still describable (it was not: an inf in the JSON)


def test_adapt_before_the_build_is_checked_in_the_dtype_the_layer_is_built_in():
    layer = Normalization()
    layer.adapt(np.array([[1e20], [-1e20]]))  # fine in float64, which a float64 model keeps
    Sequential([Input((1,)), layer], dtype="float64")
    late = Normalization()
    late.adapt(np.array([[1e20], [-1e20]]))
    with pytest.raises(ValueError, match=r"feature 0 .* float32"):
        Sequential([Input((1,)), late], dtype="float32")


def test_a_negative_variance_is_refused_by_set_weights_and_nothing_changes():
    model = Sequential([Input((2,)), Normalization(mean=[0.0, 1.0], variance=[1.0, 2.0])], dtype="float64")
    weights = model.get_weights()  # mean, variance, count
    bad = [w.copy() for w in weights]
    bad[1][1] = -0.5
    message = r"weights\[1\] \(normalization's variance\) must be >= 0: .* Received: a minimum of -0.5"
    with pytest.raises(ValueError, match=message):
        model.set_weights(bad)
    with pytest.raises(ValueError, match="must be >= 0"):
        model.layers[0].set_weights(bad)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights))
