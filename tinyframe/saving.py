"""Save and load models in one ``.npz`` file that never runs code when it is loaded.

A file holds, as ``.npy`` arrays in a zip archive (``numpy.load`` can read it):

* ``config``: a JSON string with the format version, the architecture (each
  layer's registered class name and ``get_config()``), the dtype, the state of the
  model's random Generator and, with ``include_optimizer=True``, the loss, the
  optimizer (its config and ``iterations``) and the built-in metric names;
* ``layers/<i>/<name>``: parameter or non-trainable state ``name`` of layer ``i``
  (``W``, ``b``, a running mean, ...); a frozen layer's spec says ``"trainable": false``;
* ``optimizer/0/<slot>``: the optimizer's state (Momentum's velocity, Adam's
  moments) of every parameter, one flat array in ``get_weights`` order.

Pickle (the way ``torch.load`` without ``weights_only`` and Keras Lambda layers could
run code from a file) is never used: arrays are read with their dtype checked
(object arrays refused) and classes are chosen by name from `tinyframe.registry`.

Example:
    >>> model.save("model.npz")                      # doctest: +SKIP
    >>> same = tinyframe.load_model("model.npz")     # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import numpy as np

from . import _config, _training_state
from ._archive import NpzReader, write_npz
from ._ownership import reading
from .layers.base import declared_input_shape, trace_shapes
from .layers.input import InputLayer
from .layers.shapes import as_input_shape
from .model import Sequential, check_dtype

FORMAT_VERSION = 2  # 2 added the model's input shape and the layers' names (shape-generic models)
SUPPORTED_VERSIONS = (1, 2)
_CONFIG = "config"


def save_model(model: Sequential, path: str | os.PathLike, include_optimizer: bool = True) -> None:
    """Write ``model`` to ``path`` atomically (the previous file survives any failure).

    Args:
        model: the model.
        path: the file, written as given (``.npz`` is the usual ending).
        include_optimizer: also save the loss, the optimizer with its state and the
            metric names, so that `fit` can resume exactly (needs a compiled model).
    """

    if not isinstance(model, Sequential):
        raise TypeError(f"save: expected a Sequential model. Received: {type(model).__name__}")
    model._require_built("save")
    with reading(model.layers, "save"):  # no fit in another thread changes the arrays while they are written
        _save(model, path, include_optimizer)


def _save(model: Sequential, path: str | os.PathLike, include_optimizer: bool) -> None:
    from . import __version__

    header = {
        "format": "tinyframe",
        "format_version": FORMAT_VERSION,
        "tinyframe_version": __version__,
        "model": model_config(model),
        "rng": _config.rng_state(model.rng),
    }
    arrays = _weight_names(model)
    if include_optimizer and model.optimizer is not None:
        header["compile"], state = _training_state.describe(model)
        arrays.update(state)
    write_npz(path, {_CONFIG: np.array(json.dumps(header, allow_nan=False)), **arrays})


def _weight_names(model: Sequential) -> dict[str, np.ndarray]:
    """``layers/<i>/<name>`` for every parameter and state array, in `Sequential.weights` order."""
    return {
        f"layers/{i}/{name}": w
        for i, layer in enumerate(model.layers)
        for name, w in (*layer.params.items(), *layer.state.items())
    }


def load_model(path: str | os.PathLike) -> Sequential:
    """The model saved at ``path``, compiled as it was if the file holds the optimizer.

    Raises:
        ValueError: the file is not a tinyframe model (truncated, not an ``.npz``,
            arrays missing, extra or of the wrong shape or dtype, malformed JSON,
            object arrays), comes from an unsupported format version, or names a
            class that is neither built in nor registered with `tinyframe.register`.
    """
    with NpzReader(path) as reader:
        header = _read_header(reader)
        try:
            spec = _config.field(header, "model", dict, "config")
            layers, dtype, input_shape = _parsed(spec)
            rng = _config.generator(header.get("rng"))
            compiled = None if header.get("compile") is None else _training_state.read(header["compile"])
            slots = _training_state.slot_names(header.get("compile"))
            planned, total = _planned_weights(layers, dtype, input_shape)
        except (TypeError, ValueError) as error:
            raise reader.error(str(error)) from None
        # Every array the configuration needs must be in the file, whole, before any is allocated.
        reader.check_names({_CONFIG, *planned, *slots})
        for name, shape in [*planned.items(), *((name, (total,)) for name in slots)]:
            reader.check(name, shape, dtype)
        try:
            saved_rng = rng.bit_generator.state
            model = _assembled(layers, dtype, input_shape, rng, spec.get("name"))
            model._require_built("load_model")
            rng.bit_generator.state = saved_rng  # building drew initial weights from it
        except (TypeError, ValueError) as error:
            raise reader.error(str(error)) from None
        weights = _weight_names(model)
        _set_weights(reader, model, {name: reader.read(name, p.shape, model.dtype) for name, p in weights.items()})
        if compiled is not None:
            model.compile(*compiled)
            total = sum(p.size for p in model.params)
            state = {
                slot: _finite(reader, name, reader.read(name, (total,), model.dtype))
                for name, (_, slot) in slots.items()
            }
            _training_state.set_state(model, state)
    return model


def model_config(model: Sequential) -> dict[str, Any]:
    """The architecture of a built model as plain JSON values: what a file's ``model`` entry holds.

    ``{"class_name": "Sequential", "dtype", "name", "input_shape", "layers": [{"class_name",
    "config", "name", ...}]}``; each layer's spec is checked to re-create a layer of the same
    shapes (`_config.layer_spec`). `Sequential.get_config` returns it.
    """
    return {
        "class_name": "Sequential",
        "dtype": model.dtype.name,
        "name": model.name,
        "input_shape": list(model.input_shape),
        "layers": [_config.layer_spec(i, layer, model.dtype) for i, layer in enumerate(model.layers)],
    }


def model_from_config(spec: Any, seed: Any = None) -> Sequential:
    """A new model, with new weights drawn from ``seed``, from a `model_config` dict (`Sequential.from_config`).

    Classes are chosen by registered name (`tinyframe.registry`), so a config never runs
    code; a malformed one is a ValueError naming the place.
    """
    _config.expect(spec, dict, "model")
    return _assembled(*_parsed(spec), seed, spec.get("name"))


def _parsed(spec: dict[str, Any]) -> tuple[list[Any], str, tuple[int, ...] | None]:
    """The layers (new, not built), the dtype and the input shape a ``model`` entry describes."""
    layers = [_config.layer_from_spec(s, i) for i, s in enumerate(_config.field(spec, "layers", list, "model"))]
    return layers, _config.field(spec, "dtype", str, "model"), _input_shape(spec)


def _assembled(layers: list[Any], dtype: str, input_shape: tuple[int, ...] | None, seed: Any, name: Any) -> Sequential:
    """The model of those layers, built from the saved input shape (before any shape a layer declares)."""
    given = [] if input_shape is None else [InputLayer(input_shape)]
    return Sequential([*given, *layers], dtype=dtype, seed=seed, name=name or None)


def _input_shape(spec: dict[str, Any]) -> tuple[int, ...] | None:
    """The saved input shape (format 2), or None (format 1 files: the first layer declares it)."""
    shape = spec.get("input_shape")
    if shape is None:
        return None
    _config.expect(shape, list, "model.input_shape")
    if len(shape) > 32 or not all(isinstance(d, int) and not isinstance(d, bool) and 0 < d <= 2**31 for d in shape):
        raise ValueError(
            f"malformed configuration: model.input_shape must be a list of positive ints. Received: {shape}"
        )
    return as_input_shape(shape, "model.input_shape")


def _planned_weights(
    layers: list[Any], dtype: str, input_shape: tuple[int, ...] | None
) -> tuple[dict[str, tuple[int, ...]], int]:
    """``({"layers/<i>/<name>": shape}, number of parameters)`` from the layers' plans; nothing is allocated.

    The planning pass of `tinyframe._params.build_layers` hands out zero-stride stand-ins, so a
    configuration that describes a huge model costs nothing until its arrays are found in the file.
    """
    dtype = check_dtype(dtype)
    shape = declared_input_shape(layers) if input_shape is None else input_shape  # format 1: declared by the layers
    if shape is None:
        raise ValueError("malformed configuration: the model's input shape is neither saved nor declared by its layers")
    shapes, total = {}, 0
    for i, (layer, layer_shape) in enumerate(zip(layers, trace_shapes(layers, shape, "model"))):
        layer._plan(dtype, layer_shape)
        for name, p in layer.params.items():
            shapes[f"layers/{i}/{name}"] = p.shape
            total += math.prod(p.shape)
        shapes.update({f"layers/{i}/{name}": s.shape for name, s in layer.state.items()})
    return shapes, total


def load_weights(model: Sequential, path: str | os.PathLike) -> None:
    """Copy the weights saved at ``path`` into ``model``, whose layers must have the same parameter shapes.

    Any tinyframe model file works (the optimizer part, if any, is ignored). The
    weights are cast to the model's dtype; nothing changes unless all of them fit.
    """
    with NpzReader(path) as reader:
        header = _read_header(reader)
        try:
            spec = _config.field(header, "model", dict, "config")
            saved = [_config.field(s, "class_name", str, "layer") for s in _config.field(spec, "layers", list, "model")]
            dtype = np.dtype(_config.field(spec, "dtype", str, "model"))
            slots = _training_state.slot_names(header.get("compile"))
        except (TypeError, ValueError) as error:
            raise reader.error(str(error)) from None
        if len(saved) != len(model.layers):
            raise reader.error(f"the file holds {len(saved)} layers {saved}; the model has {len(model.layers)}")
        weights = _weight_names(model)
        reader.check_names({_CONFIG, *weights, *slots})
        _set_weights(reader, model, {name: reader.read(name, p.shape, dtype) for name, p in weights.items()})


def _finite(reader: NpzReader, name: str, array: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(array)):
        raise reader.error(f"array {name!r} contains NaN or infinity; training would carry them into every weight")
    return array


def _set_weights(reader: NpzReader, model: Sequential, arrays: dict[str, np.ndarray]) -> None:
    try:
        model.set_weights(list(arrays.values()))
    except (TypeError, ValueError) as error:
        raise reader.error(str(error)) from None


def _refuse_constant(name: str) -> None:
    """``json.loads`` hook for ``NaN``/``Infinity``: `save` never writes them (``allow_nan=False``)."""
    raise ValueError(f"the configuration holds the non-finite number {name}, which save never writes")


def _read_header(reader: NpzReader) -> dict[str, Any]:
    text = reader.read(_CONFIG, (), None)
    if text.dtype.kind != "U":
        raise reader.error(f"array 'config' must be a JSON string. Received: dtype {text.dtype}")
    try:
        header = json.loads(str(text), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise reader.error(f"the configuration is not valid JSON ({error})") from None
    if not isinstance(header, dict) or header.get("format") != "tinyframe":
        raise reader.error('not a tinyframe file: its configuration has no "format": "tinyframe"')
    version = header.get("format_version")
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        raise reader.error(
            f"format version {version!r} is not supported; this tinyframe reads format versions "
            f"{list(SUPPORTED_VERSIONS)}. A newer tinyframe wrote it: upgrade tinyframe to load it"
        )
    return header
