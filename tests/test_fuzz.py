"""Hypothesis attacks the public API with random shapes, dtypes and values.

Every call must either give a correct answer or raise one of the documented errors
(ValueError, TypeError): never another exception, a NumPy warning, or weights that
changed after a refused call.
"""

from __future__ import annotations

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


def unchanged(model, weights):
    return all(np.array_equal(w, v) for w, v in zip(model.get_weights(), weights))


def reference_predict(model, X):
    """The network by hand, in float64, from the model's weights."""
    W0, b0, W1, b1 = (w.astype(np.float64) for w in model.get_weights())
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
            assert "Received" in str(error)
        else:
            event("answered")
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
        try:
            history = net.fit(X, y, epochs=2, batch_size=2 if minibatch else None, verbose=0)
        except (ValueError, TypeError) as error:
            event(f"refused: {type(error).__name__}")
            assert "Received" in str(error)
            assert unchanged(net, before) and net.rng.bit_generator.state == state
        else:
            event("trained")
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
            assert "Received" in str(error)
            assert unchanged(net, before)
        else:
            event("set")
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
