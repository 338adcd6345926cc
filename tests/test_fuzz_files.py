"""Saved files of the newer layers, changed at random: each loads to a model that saves and loads again
unchanged, or is refused with a ValueError naming the file (issue 26, "Proof").

The files hold BatchNormalization, Normalization, Embedding, LSTM, GRU and Bidirectional
layers with their state and an optimizer's state. Hypothesis changes one value of the JSON
configuration (any layer's, the compile entry's) to a value of another kind or size, or
replaces one array (weights, running statistics, optimizer slots) by one of other values
(negative, non-finite, huge) or another shape. No other exception may escape: no
TypeError, KeyError, RecursionError, and nothing is unpickled (``allow_pickle`` stays off).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tinyframe import Sequential, load_model
from tinyframe.layers import GRU, LSTM, BatchNormalization, Bidirectional, Dense, Embedding, Input, Normalization

from .test_bad_files import npy, read_members, write_members


def text_model():
    model = Sequential(
        [
            Input((5,)),
            Embedding(20, 4),
            Bidirectional(LSTM(3, return_sequences=True)),
            GRU(2),
            BatchNormalization(),
            Dense(2),
        ],
        dtype="float64",
        seed=0,
    )
    X, y = np.random.default_rng(0).integers(0, 20, (8, 5)), np.zeros((8, 2))
    return model, X, y


def tabular_model():
    model = Sequential(
        [
            Input((3,)),
            Normalization(mean=[0.0, 1.0, 2.0], variance=[1.0, 2.0, 3.0]),
            Dense(4),
            BatchNormalization(),
            Dense(1),
        ],
        dtype="float32",
        seed=0,
    )
    return model, np.random.default_rng(1).normal(size=(8, 3)).astype("float32"), np.zeros((8, 1), "float32")


MAKERS = {"text": text_model, "tabular": tabular_model}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Each model trained one epoch (so that running statistics and optimizer state exist), saved once."""
    folder = tmp_path_factory.mktemp("fuzz_files")
    files = {}
    for name, make in MAKERS.items():
        model, X, y = make()
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        model.fit(X, y, epochs=1, batch_size=4, verbose=0)
        files[name] = folder / f"{name}.npz"
        model.save(files[name])
    return files


def paths_in(value, prefix=()):
    """Every path to a scalar or list inside a JSON value (dict keys and list indices)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from paths_in(inner, (*prefix, key))
    elif isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        for i, inner in enumerate(value):
            yield from paths_in(inner, (*prefix, i))
    else:
        yield prefix


DEEP = "<a dict nested 5,000 deep>"  # put into the JSON text as text: Python's json and repr would recurse


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.integers(-3, 3), max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from([DEEP, [[[[1]]]], "Dense", "LSTM", {"class_name": "GRU", "config": {}}]),
)


def odd_array(shape, dtype):
    """Another array for a member: other values of the same shape, or another shape or dtype."""
    values = st.sampled_from([-1.0, 0.0, 1e30, -1e30, np.nan, np.inf, 3.0])
    same_shape = values.map(lambda v: np.full(shape, v, dtype))
    return st.one_of(
        same_shape,
        st.just(np.zeros((*shape, 2), dtype)),
        st.just(np.zeros(shape, "int64")),
        st.just(np.zeros((), dtype)),
    )


def check(path):
    """Load: a ValueError naming the file, or a model whose own file loads to the same model."""
    try:
        model = load_model(path)
    except ValueError as error:
        assert str(error).startswith(str(path)), f"the message must name the file: {error}"
        event("refused")
        return
    event("loaded")
    again = path.with_name(path.stem + "_again.npz")
    model.save(again)
    reloaded = load_model(again)
    assert reloaded.get_config() == model.get_config()
    for a, b in zip(reloaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(data=st.data(), which=st.sampled_from(sorted(MAKERS)))
def test_a_changed_configuration_loads_consistently_or_is_refused(saved, tmp_path, data, which):
    members = read_members(saved[which])
    config = json.loads(str(np.load(saved[which])["config"]))
    paths = [p for p in paths_in(config) if p]
    path = data.draw(st.sampled_from(paths))
    target = config
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(JSON_VALUES)
    text = json.dumps(config).replace(json.dumps(DEEP), '{"a": ' * 5_000 + "{}" + "}" * 5_000)
    members["config.npy"] = npy(np.array(text))
    out = tmp_path / f"{which}.npz"
    write_members(out, members)
    check(out)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(data=st.data(), which=st.sampled_from(sorted(MAKERS)))
def test_a_changed_array_loads_consistently_or_is_refused(saved, tmp_path, data, which):
    members = read_members(saved[which])
    with np.load(saved[which]) as f:
        names = sorted(name for name in f.files if name != "config")
        name = data.draw(st.sampled_from(names))
        original = f[name]
    members[f"{name}.npy"] = npy(data.draw(odd_array(original.shape, original.dtype)))
    out = tmp_path / f"{which}.npz"
    write_members(out, members)
    check(out)
