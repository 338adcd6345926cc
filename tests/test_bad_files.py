"""load_model on damaged, foreign and hostile files: a clear ValueError each time, and no code runs."""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinyframe
from tinyframe import Sequential, load_model
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense
from tinyframe.optimizers import GradientDescent


@tinyframe.register
class HeavyBall(GradientDescent):
    """An optimizer with per-parameter state, so that the state arrays can be damaged too."""

    def update(self, index, param, grad):
        velocity = self.slot(index, "velocity", param)
        velocity *= 0.9
        velocity += grad
        param -= self.learning_rate * velocity


def _touch(path):
    open(path, "w").close()


class Payload:
    """Unpickling this creates a file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return _touch, (self.marker,)


def npy(array, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asanyarray(array), allow_pickle=allow_pickle)
    return buf.getvalue()


def read_members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_members(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def edit(path, **arrays):
    """Replace (array), add (array) or remove (None) members of the saved file."""
    members = read_members(path)
    for name, value in arrays.items():
        name = name.replace("__", "/") + ".npy"
        if value is None:
            del members[name]
        else:
            members[name] = value if isinstance(value, bytes) else npy(value)
    write_members(path, members)


def edit_config(path, change):
    config = json.loads(str(np.load(path)["config"]))
    change(config)
    edit(path, config=np.array(json.dumps(config)))


@pytest.fixture
def saved(tmp_path):
    """A compiled float64 model with optimizer state, saved; the path is returned."""
    model = Sequential([Dense(4, 3), Sigmoid(), Dense(3, 2), Sigmoid()], dtype="float64", seed=0)
    model.compile(optimizer=HeavyBall(0.1), metrics=["accuracy"])
    model.fit(np.ones((6, 4)), [0, 1, 0, 1, 0, 1], epochs=2, verbose=0, batch_size=None)
    path = tmp_path / "model.npz"
    model.save(path)
    assert load_model(path).optimizer.state[("dense", "W")]["velocity"].shape == (4, 3)  # per (layer, parameter)
    return path


def refused(path, match):
    with pytest.raises(ValueError, match=match) as info:
        load_model(path)
    assert str(info.value).startswith(str(path)), "the message names the file"


def test_loading_never_unpickles(saved, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle was called")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    assert isinstance(load_model(saved), Sequential)


# ------------------------------------------------------------------ not a tinyframe .npz at all
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the saved file is only read
@given(st.floats(0.0, 0.999))
def test_a_truncated_file_is_refused_wherever_it_is_cut(saved, fraction):
    data = saved.read_bytes()
    cut = saved.with_name("cut.npz")
    cut.write_bytes(data[: int(len(data) * fraction)])
    refused(cut, "not a valid .npz \\(zip\\) archive, or it is truncated")


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, world\n", npy(np.zeros(3)), pickle.dumps({"W": np.zeros(3)})],
    ids=["empty", "text", "npy", "pickle"],
)
def test_a_file_that_is_not_an_npz_is_refused(tmp_path, content):
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    refused(path, "not a valid .npz \\(zip\\) archive")


def test_a_pickle_that_would_run_code_is_refused_without_running_it(tmp_path):
    marker, path = tmp_path / "ran", tmp_path / "model.npz"
    path.write_bytes(pickle.dumps(Payload(marker)))
    refused(path, "not a valid .npz")
    assert not marker.exists()


def test_a_zip_of_other_files_is_refused(tmp_path):
    path = tmp_path / "model.npz"
    write_members(path, {"config.npy": npy(np.array("{}")), "run.py": b"print('hi')"})
    refused(path, "expected only uniquely named .npy arrays. Received: members \\['run.py'\\]")


def test_a_flipped_byte_in_the_data_is_refused(saved):
    data = bytearray(saved.read_bytes())
    start = data.index(b"layers/0/W.npy") + 200  # inside the member's 96 bytes of weights
    data[start] ^= 0xFF
    saved.write_bytes(bytes(data))
    refused(saved, "array 'layers/0/W' is damaged or truncated \\(Bad CRC-32")


# -------------------------------------------------------------------------------- the arrays
def test_a_missing_array_is_refused(saved):
    edit(saved, layers__2__b=None)
    refused(saved, re.escape("the arrays do not match the saved configuration: missing ['layers/2/b'], unexpected []"))


def test_an_extra_array_is_refused(saved):
    edit(saved, evil=np.zeros(2))
    refused(saved, re.escape("missing [], unexpected ['evil']"))


def test_a_missing_optimizer_state_array_is_refused(saved):
    edit(saved, optimizer__0__W__velocity=None)
    refused(saved, re.escape("missing ['optimizer/0/W/velocity']"))


@pytest.mark.parametrize(
    "name, array, match",
    [
        ("layers__0__W", np.zeros((3, 4)), "array 'layers/0/W' must have shape \\(4, 3\\). Received: shape \\(3, 4\\)"),
        ("layers__2__b", np.zeros(2, "float32"), "array 'layers/2/b' must have dtype float64. Received: dtype float32"),
        ("layers__2__b", np.zeros(2, ">f8"), "must have dtype float64. Received: dtype >f8"),
        ("layers__2__b", np.zeros(2, "int64"), "must have dtype float64. Received: dtype int64"),
        ("optimizer__2__b__velocity", np.zeros(3), "array 'optimizer/2/b/velocity' must have shape \\(2,\\)"),
        ("config", np.zeros(()), "array 'config' must be a JSON string. Received: dtype float64"),
        ("config", np.array(["{}", "{}"]), "array 'config' must have shape \\(\\)"),
    ],
)
def test_wrong_shapes_and_dtypes_are_refused(saved, name, array, match):
    edit(saved, **{name: array})
    refused(saved, match)


@pytest.mark.parametrize("name", ["layers__0__W", "config"])
def test_an_object_array_is_refused_and_never_unpickled(saved, tmp_path, name):
    marker = tmp_path / "ran"
    edit(saved, **{name: npy(np.array([Payload(marker)], dtype=object), allow_pickle=True)})
    refused(saved, f"array '{name.replace('__', '/')}' has dtype object \\(pickled Python objects\\)")
    assert not marker.exists()


def test_non_finite_weights_are_refused(saved):
    edit(saved, layers__0__b=np.array([0.0, np.nan, 0.0]))
    refused(saved, "weights\\[1\\] contains NaN or infinity")


# ------------------------------------------------------------------------------ the JSON config
def test_malformed_json_is_refused(saved):
    edit(saved, config=np.array('{"format": "tinyframe", "format_version": 1, '))
    refused(saved, "the configuration is not valid JSON")


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda c: c.clear(), 'not a tinyframe file: its configuration has no "format": "tinyframe"'),
        (
            lambda c: c.update(format_version=5),
            "format version 5 is not supported; this tinyframe reads format versions \\[1, 2, 3, 4\\]",
        ),
        (lambda c: c.update(format_version="1"), "format version '1' is not supported"),
        (lambda c: c.pop("format_version"), "format version None is not supported"),
        (lambda c: c.update(format_version=True), "format version True is not supported"),
        (lambda c: c.pop("model"), "malformed configuration: config.model must be of type dict. Received: None"),
        (lambda c: c["model"].update(layers={}), "model.layers must be of type list"),
        (lambda c: c["model"].update(dtype="int8"), "Sequential: dtype must be one of \\('float32', 'float64'\\)"),
        (lambda c: c["model"]["layers"][0].pop("class_name"), "model.layers\\[0\\].class_name must be of type str"),
        (lambda c: c["model"]["layers"][0].update(config=[]), "model.layers\\[0\\].config must be of type dict"),
        (
            lambda c: c["model"]["layers"][0]["config"].update(in_features=0),
            "model.layers\\[0\\] \\(Dense\\) cannot be created",
        ),
        (lambda c: c["model"]["layers"][0]["config"].update(run="rm -rf /"), "unexpected keyword argument 'run'"),
        (lambda c: c["model"]["layers"][0]["config"].update(kernel_initializer="os.system"), "Unknown initializer"),
        (lambda c: c["model"]["layers"][1].update(class_name="os.system"), "unknown layer class 'os.system'"),
        (lambda c: c["model"]["layers"][1].update(class_name="Layer"), "unknown layer class 'Layer'"),
        (
            lambda c: c["model"]["layers"][1].update(class_name="GradientDescent"),
            "'GradientDescent' is an optimizer class, but the file uses it as a layer",
        ),
        (lambda c: c["model"]["layers"][0].update(unsaved=[1]), "model.layers\\[0\\].unsaved must be of type dict"),
        (lambda c: c.update(compile=[]), "malformed configuration: config.compile must be of type dict"),
        (
            lambda c: c["compile"]["loss"].update(class_name="Dense"),
            "'Dense' is a layer class, but the file uses it as a loss",
        ),
        (lambda c: c["compile"]["optimizer"].update(iterations=-1), "iterations must be >= 0. Received: -1"),
        (lambda c: c["compile"]["optimizer"].update(iterations=1.5), "iterations must be of type int"),
        (lambda c: c["compile"]["optimizer"].update(iterations=10**400), r"iterations must be at most 2\*\*53"),
        (
            lambda c: c["compile"]["optimizer"]["config"].update(learning_rate=float("inf")),
            "the configuration holds the non-finite number Infinity",
        ),
        (
            lambda c: c["model"]["layers"][0]["config"].update(
                kernel_regularizer={"class_name": "L2", "config": {"l2": float("inf")}}
            ),
            "the configuration holds the non-finite number Infinity",
        ),
        (lambda c: c["rng"]["state"].update(inc=float("nan")), "the configuration holds the non-finite number NaN"),
        (
            lambda c: c["compile"]["optimizer"]["state"].update({"9": ["velocity"]}),
            "optimizer state must be listed by parameter, '<layer index>/<parameter name>'. Received: '9'",
        ),
        (lambda c: c["compile"]["optimizer"]["state"].update({"x/W/v": ["m"]}), "Received: 'x/W/v'"),
        (lambda c: c["compile"]["optimizer"]["state"].update({"1/W": ["m"]}), "'1/W', which is no parameter"),
        (lambda c: c["compile"]["optimizer"]["state"].update({"0/gamma": ["m"]}), "'0/gamma', which is no parameter"),
        (
            lambda c: c["compile"]["optimizer"]["state"].update({"0/W": "velocity"}),
            "optimizer state 0/W must list slot names",
        ),
        (lambda c: c["compile"]["optimizer"]["state"].update({"0/W": ["../x"]}), "state 0/W must list slot names"),
        (lambda c: c["compile"].update(metrics=["f1"]), "Unknown metric"),
        (lambda c: c["model"]["layers"][0].update(trainable="no"), r"layers\[0\].trainable must be of type bool"),
        (lambda c: c["compile"].update(metrics=[1]), "compile.metrics must be a list of names"),
        (lambda c: c["rng"].update(bit_generator="os"), "rng.bit_generator must be one of"),
        (lambda c: c["rng"]["state"].update(state="x"), "the rng state cannot be restored"),
        (
            lambda c: c["rng"].update(bit_generator="MT19937", state={"key": [], "pos": 0}),
            "the rng state cannot be restored",
        ),
        (lambda c: c.pop("rng"), "rng.bit_generator must be of type str"),
    ],
)
def test_malformed_configurations_are_refused(saved, change, match):
    edit_config(saved, change)
    refused(saved, match)


def test_an_unregistered_custom_class_is_named_with_how_to_register(saved, monkeypatch):
    monkeypatch.setattr(tinyframe.registry, "_CUSTOM", {})
    refused(saved, "unknown optimizer class 'HeavyBall'.*decorate it with @tinyframe.register")


def test_non_finite_optimizer_state_is_refused(saved):
    edit(saved, optimizer__0__W__velocity=np.full((4, 3), np.inf))
    refused(saved, r"array 'optimizer/0/W/velocity' contains NaN or infinity")


def test_a_path_given_as_bytes_loads(saved):
    model = load_model(saved)
    assert all(np.array_equal(a, b) for a, b in zip(load_model(os.fsencode(saved)).get_weights(), model.get_weights()))
    model.load_weights(os.fsencode(saved))
