"""Every earlier file loads: formats 2 and 3 (optimizer state as one flat array per slot) and today's 4.

The files in ``tests/data`` were written by tinyframe itself at commit 2628c2e, the last
that wrote formats 2 and 3 (``tests/data/make_format_2_3.py`` says how), with the
weights one more epoch of training gave there, so resuming here is checked against
what the writer itself computed.
"""

from __future__ import annotations

import json
import pathlib
import shutil

import numpy as np
import pytest

import tinyframe
from tinyframe import Input, Model, Sequential, load_model
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense
from tinyframe.optimizers import Momentum

DATA = pathlib.Path(__file__).parent / "data"
OLD_FILES = {"line": "format2_sequential_adam.npz", "graph": "format3_functional_momentum.npz"}


def digits_like():
    rng = np.random.default_rng(0)  # the data make_format_2_3.py trained on
    X = rng.random((40, 4))
    return X, (X.sum(1) > 2).astype(int)


def config_of(path) -> dict:
    with np.load(path, allow_pickle=False) as f:
        return json.loads(str(f["config"]))


@pytest.mark.parametrize("which", list(OLD_FILES))
def test_an_old_file_gives_each_parameter_its_piece_of_the_flat_state(which):
    path = DATA / OLD_FILES[which]
    with np.load(path, allow_pickle=False) as f:
        flat = {name.split("/")[-1]: f[name] for name in f.files if name.startswith("optimizer/")}
    assert config_of(path)["format_version"] == (2 if which == "line" else 3) and flat
    model = load_model(path)
    offset = 0
    for layer in model.layers:
        for name, p in layer.params.items():
            slots = model.optimizer.state[(layer.name, name)]
            assert sorted(slots) == sorted(flat)
            for slot, whole in flat.items():
                assert slots[slot].shape == p.shape
                np.testing.assert_array_equal(slots[slot].ravel(), whole[offset : offset + p.size])
            offset += p.size
    assert offset == next(iter(flat.values())).size


@pytest.mark.parametrize("which", list(OLD_FILES))
def test_an_old_file_resumes_as_the_tinyframe_that_wrote_it_trained_on(which):
    X, y = digits_like()
    model = load_model(DATA / OLD_FILES[which])
    model.fit(X, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    with np.load(DATA / "formats_2_3_next_epoch.npz") as expected:
        weights = model.get_weights()
        assert len(weights) == sum(name.startswith(f"{which}/") for name in expected.files)
        for i, w in enumerate(weights):  # float64, 5 steps of a 4-5-2 network: rounding only
            np.testing.assert_allclose(w, expected[f"{which}/{i}"], rtol=1e-12, atol=1e-14)


def test_an_old_file_with_state_listed_per_parameter_is_refused(tmp_path):
    from tests.test_bad_files import edit_config, refused

    path = tmp_path / "old.npz"
    shutil.copy(DATA / OLD_FILES["line"], path)
    edit_config(path, lambda c: c["compile"]["optimizer"]["state"].update({"0/W": ["m"]}))
    refused(path, "optimizer state for parameter '0/W'; a file of this format holds the state of every parameter")


def small(dtype="float64"):
    return Sequential([Dense(3, 4), Sigmoid(), Dense(4, 2), Sigmoid()], dtype=dtype, seed=0)


def test_the_state_is_stored_per_layer_and_parameter_beside_the_weights(tmp_path):
    model = small()
    model.compile(optimizer=Momentum(0.1))
    model.layers[2].trainable = False  # no state yet for the second Dense: none is written for it
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0, batch_size=None)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        names = sorted(name for name in f.files if name.startswith("optimizer/"))
        assert names == ["optimizer/0/W/velocity", "optimizer/0/b/velocity"]
        assert f["optimizer/0/W/velocity"].shape == f["layers/0/W"].shape
        np.testing.assert_array_equal(f["optimizer/0/W/velocity"], model.optimizer.state[("dense", "W")]["velocity"])
    config = config_of(tmp_path / "m.npz")
    assert config["format_version"] == 4
    assert config["compile"]["optimizer"]["state"] == {"0/W": ["velocity"], "0/b": ["velocity"]}


def test_a_file_says_the_lowest_format_that_has_what_it_holds(tmp_path):
    """Without optimizer state nothing is new: a Sequential's file still says 2, a graph's 3."""
    line = small()
    line.save(tmp_path / "line.npz")
    line.compile(optimizer="adam")  # compiled, never stepped: no state
    line.save(tmp_path / "compiled.npz")
    inputs = Input(shape=(3,))
    graph = Model(inputs, Dense(2)(inputs))
    graph.save(tmp_path / "graph.npz")
    versions = [config_of(tmp_path / f"{name}.npz")["format_version"] for name in ("line", "compiled", "graph")]
    assert versions == [2, 2, 3]


def test_a_file_of_today_resumes_bit_for_bit(tmp_path):
    X, y = digits_like()
    straight = small()
    straight.compile(optimizer="adam")
    straight.fit(X[:, :3], y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    straight.save(tmp_path / "m.npz")
    resumed = load_model(tmp_path / "m.npz")
    for each in (straight, resumed):
        each.fit(X[:, :3], y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)  # the same arithmetic on the same numbers, in one process
    assert isinstance(resumed.optimizer, tinyframe.optimizers.Adam)
