"""Keras 3's files: ``.keras`` models and ``.weights.h5`` weights, written and read by tinyframe.

`tinyframe.saving` sends here every path ending in ``.keras`` or ``.weights.h5`` (``save``,
``save_weights``, ``load_model``, ``load_weights``); every other name stays tinyframe's ``.npz``,
and so does a file of those names that tinyframe wrote before (its own ``.npz``, `is_npz`).

A ``.keras`` file is a zip of three stored members, as Keras 3 writes it:

* ``metadata.json``: ``{"keras_version", "date_saved"}`` (Keras reads nothing from it);
* ``config.json``: the architecture, Keras's serialization: ``{"module", "class_name":
  "Sequential" | "Functional", "config": {"name", "layers": [{"class_name", "config", ...}], ...}}``;
* ``model.weights.h5``: the weights, an HDF5 tree (`tinyframe.keras_format._h5`).

A ``.weights.h5`` file is that HDF5 tree alone (Keras's ``save_weights``). A compiled model's
loss, optimizer settings and metrics go into ``config.json``'s ``compile_config`` by Keras's names,
and a loaded model is compiled with them, as Keras does (`tinyframe.keras_format._compile`); the
optimizer's state is not written.

Loading keeps tinyframe's promises. Nothing runs: JSON is parsed without hooks, a class name
picks one of tinyframe's layers (Lambda and custom classes are refused), pickle is never used.
Memory and time follow what the file holds: only a regular file is read; the zip's members are
checked before they are read; the whole configuration is turned into layers and their shapes
planned (nothing allocated) and every dataset's shape, dtype and storage checked before any
weight is read. A bad file is a ValueError naming it. h5py is needed for both directions
(``pip install "tinyframe[keras]"``); it is imported when first used.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
from typing import Any

from .. import _config, saving
from .._archive import write_atomically
from . import _compile, _read, _weights, _write
from ._files import CONFIG, METADATA, WEIGHTS, KerasArchive, open_regular, write_zip
from ._h5 import TreeReader, tree_bytes

KERAS_VERSION = "3.15.1"  # the Keras these files were checked against, written as metadata.json's keras_version
_MODEL, _WEIGHTS = ".keras", ".weights.h5"


def save(model: Any, path: Any, include_optimizer: bool) -> None:
    """Write ``model`` as a ``.keras`` file, or its weights as a ``.weights.h5`` file; atomically."""
    config, groups = _write.describe(model)  # every refusal comes before anything is written
    weights_only = os.fsdecode(os.fspath(path)).endswith(_WEIGHTS)
    if include_optimizer and model.optimizer is not None and not weights_only:
        compiled = _compile.describe(model)  # the loss, the optimizer's settings, the metrics: Keras's names
        if compiled is not None:
            config["compile_config"] = compiled
        if model.optimizer.state:
            _config.warn("save: Keras's format gets the optimizer's settings, not its state (its moments): "
                         "training on after loading starts them afresh")  # fmt: skip
    tree = tree_bytes(model.name, groups)
    if weights_only:
        write_atomically(path, lambda f: f.write(tree))
        return
    from .. import __version__

    saved = datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")
    metadata = {"keras_version": KERAS_VERSION, "date_saved": saved, "tinyframe_version": __version__}
    members = {METADATA: metadata, CONFIG: config}
    members = {name: json.dumps(value, allow_nan=False).encode() for name, value in members.items()}
    write_atomically(path, write_zip({**members, WEIGHTS: tree}))


def load_model(path: Any) -> Any:
    """The model a ``.keras`` file holds, built by tinyframe with the file's weights, compiled as the file says."""
    path = os.fsdecode(os.fspath(path))
    if path.endswith(_WEIGHTS):
        raise ValueError(f"{path}: a .weights.h5 file holds weights only; build the model and call load_weights")
    with KerasArchive(path) as archive:
        _json(archive, METADATA)  # read for nothing but to refuse a file that is not Keras's
        try:
            raw = _json(archive, CONFIG)
            described = _read.parse(raw)
            saving._planned_weights(described.parsed)  # every layer's shapes, nothing allocated
        except (TypeError, ValueError) as error:
            raise archive.error(str(error)) from None
        data = archive.read(WEIGHTS)
    tree = TreeReader(io.BytesIO(data), len(data), archive.error, WEIGHTS)
    try:
        dtypes = (described.parsed.dtype,)
        _weights.check(tree, described.places, dtypes)
        try:
            model = saving._assembled(described.parsed, None, described.name)
        except (TypeError, ValueError) as error:
            raise archive.error(str(error)) from None
        _weights.set_all(model, _weights.read(tree, described.places, dtypes), archive.error)
    finally:
        tree.close()
    _compile.apply(model, raw.get("compile_config"))  # as Keras compiles what it loads
    return model


def load_weights(model: Any, path: Any) -> None:
    """Copy the weights of a ``.weights.h5`` or ``.keras`` file into ``model`` (cast to its dtype); all or nothing."""
    path = os.fsdecode(os.fspath(path))

    def error(message: str) -> ValueError:
        return ValueError(f"{path}: {message}")

    model._require_built("load_weights")
    places = _write.places(model)
    if path.endswith(_MODEL):
        with KerasArchive(path) as archive:
            data = archive.read(WEIGHTS)
        source, size, member = io.BytesIO(data), len(data), WEIGHTS
    else:
        source = open_regular(path, error)
        size, member = os.fstat(source.fileno()).st_size, None
    with source:
        tree = TreeReader(source, size, error, member)
        try:
            _weights.check(tree, places, ("float32", "float64"))
            arrays = _weights.read(tree, places, ("float32", "float64"))
        finally:
            tree.close()
    _weights.set_all(model, arrays, error)


def is_npz(path: Any) -> bool:
    """Whether the file at ``path`` is tinyframe's own ``.npz`` (a zip holding ``config.npy``), not Keras's."""
    try:
        with open_regular(os.fsdecode(os.fspath(path)), ValueError) as f, zipfile.ZipFile(f) as archive:
            return "config.npy" in archive.namelist()
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        return False  # Keras's reader says what is wrong with it


def _json(archive: KerasArchive, member: str) -> Any:
    """A JSON member, parsed without hooks; ``NaN`` and ``Infinity`` are refused."""
    data = archive.read(member)
    try:
        return json.loads(data.decode("utf-8"), parse_constant=saving._refuse_constant)
    except (ValueError, RecursionError) as problem:
        raise archive.error(f"member {member!r} is not valid JSON ({problem})") from None
