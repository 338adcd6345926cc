"""Hypothesis attacks the public API with random shapes, dtypes and values.

Every call must either give a correct answer or raise the documented refusal for what is
wrong with its input: the tests work out from the input itself (`x_refusals`,
`y_refusals`) which refusals it deserves, so a valid input must be accepted and an invalid
one refused with one of its own messages. Never another exception, a NumPy warning, or
weights that changed after a refused call.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinyframe import DivergenceWarning, Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense

DTYPES = ["float16", "float32", "float64", "int8", "int64", "uint8", "bool", "complex128", "U3", "datetime64[s]"]
EXTREMES = [0.0, 1e-310, -1e-310, 5e-324, 1e30, -1e30, 3e38, 1e300, np.nan, np.inf, -np.inf]


@st.composite
def any_arrays(draw, shape=None, dtypes=DTYPES, elements=None):
    """Arrays of random dtype and shape (rank 0 to 3, sides 0 to 5), values including the extremes."""
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    shape = draw(shape if shape is not None else hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    array = draw(hnp.arrays(dtype, shape, elements=elements if dtype.kind == "f" else None))
    if dtype.kind == "f" and array.size and draw(st.booleans()):
        with np.errstate(over="ignore"):
            array.flat[draw(st.integers(0, array.size - 1))] = draw(st.sampled_from(EXTREMES))
    return draw(st.sampled_from([array, array.tolist()])) if array.ndim else array


def plausible(shape):
    """Mostly sensible arrays of ``shape`` (real dtypes, moderate values), sometimes with one extreme value."""
    moderate = st.floats(-10, 10, allow_subnormal=True, width=16)
    return any_arrays(st.just(shape), dtypes=["float32", "float64", "int64", "float16"], elements=moderate)


@st.composite
def inputs(draw):
    """``X``: plausible for the model (n x 3) three times in four, anything otherwise."""
    if draw(st.integers(0, 3)):
        return draw(plausible((draw(st.integers(1, 5)), 3)))
    return draw(any_arrays())


@st.composite
def targets(draw, n):
    """``y`` for ``n`` samples: labels, one-hot-like or (n, 1) targets, or anything."""
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return draw(hnp.arrays(np.int64, (n,), elements=st.integers(-1, 2)))
    if choice in (1, 2):
        return draw(plausible((n, 2) if choice == 1 else (n, 1)))
    return draw(any_arrays())


def model():
    # a linear output layer, so that large inputs can really overflow
    return Sequential([Dense(3, 4), Sigmoid(), Dense(4, 2)], seed=0)


# The refusals, by what is wrong with the input: (exception type, what the message says).
NOT_REAL = (TypeError, r"must contain real numbers \(an integer, floating or boolean dtype\)")
FLOAT32_MAX = float(np.finfo(np.float32).max)


def x_refusals(X, features=3):
    """What ``predict``/``fit`` may answer to ``X`` for a model of ``features`` inputs: [] if X is valid."""
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        return [NOT_REAL]
    found = []
    if arr.ndim < 2:
        return [(ValueError, r"X must be at least 2-D, of shape \(n_samples, n_features\)")]
    if arr.size == 0:
        found.append((ValueError, r"X is empty: expected at least one sample and one feature"))
    if arr.shape[1:] != (features,):
        found.append((ValueError, rf"X: the model takes inputs of shape \(None, {features}\)"))
    if arr.size and arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            if not np.all(np.abs(arr.astype(np.float64)) <= FLOAT32_MAX):
                found.append((ValueError, r"X contains NaN or infinity: expected finite values"))
    return found


def y_refusals(y, n, width=2):
    """What ``fit`` may answer to targets ``y`` for ``n`` samples and an output of ``width``: [] if valid."""
    arr = np.asarray(y)
    if arr.dtype.kind not in "biuf":
        return [(TypeError, r"y must contain real numbers")]
    if arr.ndim == 0:
        return [(ValueError, r"y must be 1-D labels or targets of the output's shape")]
    if len(arr) != n:
        return [(ValueError, rf"X and y must have the same number of samples. Received: {n} and {len(arr)}")]
    values = arr.astype(np.float64)
    with np.errstate(invalid="ignore"):
        finite = bool(np.all(np.abs(values) <= FLOAT32_MAX))
    non_finite = (ValueError, r"(y|labels) contains NaN or infinity: expected finite values")  # labels: (n,) or (n, 1)
    if arr.shape == (n, width):
        return [] if finite else [non_finite]
    if arr.shape in ((n,), (n, 1)):  # class labels
        if not finite:
            return [non_finite, (ValueError, r"labels must be whole numbers")]
        found = []
        if np.any(values != np.round(values)):
            found.append((ValueError, r"labels must be whole numbers"))
        if values.size and (values.min() < 0 or values.max() >= width):
            found.append((ValueError, rf"labels must be in \[0, {width}\) for an output of width {width}"))
        return found
    return [(ValueError, rf"y must have shape \({n}, {width}\) to match the model's output")]


def weights_refusals(weights, shapes):
    """What ``set_weights`` may answer to ``weights`` for parameters of ``shapes``: [] if valid."""
    if len(weights) != len(shapes):
        return [(ValueError, rf"set_weights expects a list of {len(shapes)} arrays. Received: {len(weights)} arrays")]
    found = []
    for i, (w, shape) in enumerate(zip(weights, shapes)):
        arr = np.asarray(w)
        if arr.dtype.kind not in "biuf":
            found.append((TypeError, rf"weights\[{i}\] must contain real numbers"))
            continue
        if arr.shape != shape:
            found.append((ValueError, rf"set_weights: weights\[{i}\] must have shape"))
        with np.errstate(invalid="ignore"):
            if arr.dtype.kind == "f" and not np.all(np.abs(arr.astype(np.float64)) <= FLOAT32_MAX):
                found.append((ValueError, rf"weights\[{i}\] contains NaN or infinity"))
    return found


def assert_refused_as_expected(error, expected):
    """``error`` is one of the ``expected`` refusals (type and message); an input with none is never refused."""
    assert expected, f"a valid input was refused: {type(error).__name__}: {error}"
    assert any(isinstance(error, kind) and re.search(message, str(error)) for kind, message in expected), (
        f"{type(error).__name__}: {error} is none of {expected}"
    )


def overflows(X):
    """Inputs so large that a float32 network's outputs may overflow (refused as "not finite")."""
    arr = np.asarray(X)
    return arr.dtype.kind in "biuf" and arr.size > 0 and float(np.nanmax(np.abs(arr.astype(np.float64)))) > 1e30


def unchanged(model, weights):
    return all(np.array_equal(w, v) for w, v in zip(model.get_weights(), weights))


def reference_predict(model, X):
    """The network by hand, in float64, from the model's weights."""
    W0, b0, W1, b1 = (w.astype(np.float64) for w in model.get_weights())
    with np.errstate(over="ignore"):  # exp(-z) = inf for z below -709: the sigmoid is 0 there, as 1 / inf
        h = 1 / (1 + np.exp(-(X @ W0 + b0)))
    return h @ W1 + b1


@given(inputs())
def test_predict(X):
    net = model()
    before = net.get_weights()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = net.predict(X)
        except (ValueError, TypeError) as error:
            event(f"refused: {type(error).__name__}")
            assert_refused_as_expected(error, x_refusals(X))
            assert "Received" in str(error)
        else:
            event("answered")
            assert not x_refusals(X), f"accepted an input it should refuse: {x_refusals(X)}"
            arr = np.asarray(X, dtype=np.float32)
            assert out.shape == (arr.shape[0], 2) and out.dtype == np.float32 and np.all(np.isfinite(out))
            if np.abs(arr).max() <= 1e3:
                np.testing.assert_allclose(out, reference_predict(net, arr.astype(np.float64)), rtol=1e-4, atol=1e-5)
    assert unchanged(net, before)


@given(st.data(), inputs(), st.booleans())
def test_fit_and_evaluate(data, X, minibatch):
    y = data.draw(targets(len(X) if np.ndim(X) else 1))
    net = model()
    before, state = net.get_weights(), net.rng.bit_generator.state
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expected = x_refusals(X) + (y_refusals(y, len(np.asarray(X))) if np.ndim(X) else [])
        if not expected and overflows(X):
            expected = [(ValueError, r"The model's outputs are not finite for this X")]
        try:
            history = net.fit(X, y, epochs=2, batch_size=2 if minibatch else None, verbose=0)
        except (ValueError, TypeError) as error:
            event(f"refused: {type(error).__name__}")
            assert_refused_as_expected(error, expected)
            assert "Received" in str(error)
            assert unchanged(net, before) and net.rng.bit_generator.state == state
        else:
            event("trained")
            assert not x_refusals(X) and not y_refusals(y, len(np.asarray(X))), "accepted an input it should refuse"
            assert all(np.all(np.isfinite(w)) for w in net.get_weights())
            diverged = any(issubclass(w.category, DivergenceWarning) for w in caught)
            assert len(history.epoch) == 2 or diverged
            try:
                logs = net.evaluate(X, y, verbose=0, return_dict=True)
            except ValueError as error:
                assert "not finite" in str(error)  # outputs overflow for such X
            else:
                assert set(logs) == {"loss"} and not np.isnan(logs["loss"])
    assert all(issubclass(w.category, DivergenceWarning) for w in caught), [str(w.message) for w in caught]


SHAPES = [(3, 4), (4,), (4, 2), (2,)]


@given(st.one_of(st.tuples(*[plausible(s) for s in SHAPES]).map(list), st.lists(any_arrays(st.sampled_from(SHAPES)))))
def test_set_weights(weights):
    net = model()
    before = net.get_weights()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            net.set_weights(weights)
        except (ValueError, TypeError) as error:
            event(f"refused: {type(error).__name__}")
            assert_refused_as_expected(error, weights_refusals(weights, SHAPES))
            assert "Received" in str(error)
            assert unchanged(net, before)
        else:
            event("set")
            assert not weights_refusals(weights, SHAPES), "accepted weights it should refuse"
            expected = [np.asarray(w).astype(np.float32) for w in weights]
            assert all(np.array_equal(w, e) for w, e in zip(net.get_weights(), expected))


@pytest.mark.parametrize("value", [1e30, -1e30, 3e38])
def test_huge_but_finite_inputs_train_or_stop_cleanly(value):
    X = np.full((4, 3), value)
    X[:, 1] *= -1
    net = model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.fit(X, [0, 1, 0, 1], epochs=3, verbose=0, batch_size=None)
    assert all(issubclass(w.category, DivergenceWarning) for w in caught)
    assert all(np.all(np.isfinite(w)) for w in net.get_weights())


# ---------------------------------------------------------------- the newer layers (issue 26, "Proof")
def newer_model(kind):
    """An Embedding-recurrent model (indices in) or a Normalization-BatchNormalization one (floats in)."""
    from tinyframe.layers import GRU, LSTM, BatchNormalization, Bidirectional, Embedding, Normalization

    if kind == "indices":
        layers = [
            Embedding(6, 3),
            Bidirectional(LSTM(2, return_sequences=True)),
            GRU(2),
            BatchNormalization(),
            Dense(2),
        ]
        return Sequential(layers, seed=0)
    return Sequential([Normalization(mean=0.5, variance=2.0), Dense(4), BatchNormalization(), Dense(2)], seed=0)


@st.composite
def newer_inputs(draw, kind):
    """Plausible inputs (indices in range, or moderate floats) three times in four; anything otherwise."""
    if draw(st.integers(0, 3)):
        n = draw(st.integers(1, 5))
        if kind == "indices":
            return draw(
                hnp.arrays(draw(st.sampled_from(["int64", "int32", "float64"])), (n, 4), elements=st.integers(0, 5))
            )
        return draw(plausible((n, 3)))
    return draw(any_arrays(elements=st.floats(-8, 8) if draw(st.booleans()) else None))


@given(st.data(), st.sampled_from(["indices", "floats"]), st.booleans())
def test_fit_of_the_newer_layers_trains_or_refuses_and_changes_nothing(data, kind, minibatch):
    X = data.draw(newer_inputs(kind))
    y = data.draw(targets(len(X) if np.ndim(X) else 1))
    net = newer_model(kind)
    net.compile(optimizer="adam", loss="mse")
    if kind == "indices":
        net.build((4,))
    else:
        net.build((3,))
    before, state = net.get_weights(), net.rng.bit_generator.state
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            net.fit(X, y, epochs=2, batch_size=2 if minibatch else None, verbose=0)
        except (ValueError, TypeError) as error:
            event(f"refused: {type(error).__name__}")
            assert "Received" in str(error) or "must" in str(error), str(error)
            assert unchanged(net, before) and net.rng.bit_generator.state == state
        else:
            event("trained")
            assert all(np.all(np.isfinite(w)) for w in net.get_weights())  # running statistics included
            assert all(
                np.all(layer.state["moving_variance"] >= 0) for layer in net.layers if "moving_variance" in layer.state
            )
    assert all(issubclass(w.category, DivergenceWarning) for w in caught), [str(w.message) for w in caught]
