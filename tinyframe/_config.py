"""Objects to JSON and back, for `tinyframe.saving`: layers, losses, optimizers, the Generator, metrics.

An object is written as ``{"class_name": ..., "config": obj.get_config()}`` and read
back as ``registry.lookup(class_name).from_config(config)``: a name chosen from
an allow-list, given plain JSON values. Saving checks that each config really
re-creates its object, so a file that saves is a file that loads.
"""

from __future__ import annotations

import json
import reprlib
import sys
import warnings
from typing import Any

import numpy as np

from . import initializers, registry
from . import metrics as metrics_module

# The NumPy bit generators a saved Generator may name (a name picks a class; it runs nothing).
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")


def warn(message: str) -> None:
    """A UserWarning attributed to the first caller outside tinyframe (the user's save or load line)."""
    frame, level = sys._getframe(1), 2  # level 1 would be this function
    while frame is not None and frame.f_globals.get("__name__", "").startswith("tinyframe."):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


def expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """``value``, checked to be a ``kind``; ValueError naming the place in the file otherwise."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ValueError(f"malformed configuration: {where} must be of type {names}. Received: {value!r:.100}")
    return value


def field(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``obj[key]``, checked to be a ``kind`` (``obj`` may be anything: a missing key reads as None)."""
    return expect(obj.get(key) if isinstance(obj, dict) else None, kind, f"{where}.{key}")


def to_spec(obj: Any, where: str) -> dict[str, Any]:
    """``{"class_name", "config"}`` for a layer, loss or optimizer; checks the config is plain JSON."""
    config = dict(obj.get_config())
    try:
        json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"save: {where} ({type(obj).__name__}): get_config() must return JSON values "
            f"(str, int, float, bool, None, lists, dicts). Received: {config!r} ({error})"
        ) from None
    try:
        name = registry.name_of(obj)
    except ValueError as error:
        raise ValueError(f"save: {where}: {error}") from None
    return {"class_name": name, "config": config}


def from_spec(spec: Any, kind: str, where: str) -> Any:
    """The object a ``{"class_name", "config"}`` entry describes, built by its registered class."""
    name = field(spec, "class_name", str, where)
    config = field(spec, "config", dict, where)
    cls = registry.lookup(name, kind)
    try:
        return cls.from_config(config)
    except (TypeError, ValueError, RecursionError) as error:
        # reprlib: a config nested thousands deep (or huge) is shown cut short, never recursed into
        shown = _SHORT.repr(config)
        raise ValueError(f"{where} ({name}) cannot be created from its saved config {shown}: {error}") from None


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxdict, _SHORT.maxlist, _SHORT.maxstring, _SHORT.maxother = 3, 8, 8, 80, 80


def _is_builtin_initializer(fn: Any) -> bool:
    try:
        return initializers.get(getattr(fn, "__name__", None)) is fn
    except ValueError:
        return False


def _with_batch(shape: Any) -> Any:
    """A layer's input shape (or shapes) with Keras's batch axis in front: build drops it, keeping a None length."""
    if shape and isinstance(shape[0], (tuple, list)):
        return [(None, *s) for s in shape]
    return None if shape is None else (None, *shape)


def layer_spec(index: int, layer: Any, dtype: np.dtype) -> dict[str, Any]:
    """The spec of ``model.layers[index]``, after checking it re-creates a layer with the same parameters.

    Initializers are saved by name. A custom initializer function cannot be (a file
    holds no code): its key is left out of the config, so the loaded layer takes the
    constructor's default, and the saved weights are restored over it. Both saving
    and loading warn about it.
    """
    where = f"layer {index}"
    spec = to_spec(layer, where)
    unsaved = {
        key: spec["config"].pop(key)
        for key in list(spec["config"])
        if key.endswith("_initializer") and callable(getattr(layer, key, None))
        if not _is_builtin_initializer(getattr(layer, key))
    }
    if unsaved:
        spec["unsaved"] = unsaved
        warn(_unsaved_message(f"save: {where}", spec))
    try:
        clone = type(layer).from_config(json.loads(json.dumps(spec["config"])))
        clone.build(_with_batch(layer.input_shape), dtype=dtype, rng=0)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"save: {where} ({spec['class_name']}) cannot be re-created from its get_config() {spec['config']}: "
            f"{error}. get_config() must return the constructor's arguments"
        ) from None
    shapes = {k: v.shape for k, v in (*layer.params.items(), *layer.state.items())}
    clone_shapes = {k: v.shape for k, v in (*clone.params.items(), *clone.state.items())}
    if clone_shapes != shapes:
        raise ValueError(
            f"save: {where} ({spec['class_name']}): get_config() {spec['config']} re-creates a layer whose "
            f"parameters and state have shapes {clone_shapes}, expected {shapes}"
        )
    if not layer.trainable:
        spec["trainable"] = False
    if layer.name is not None:
        spec["name"] = layer.name
    return spec


def layer_from_spec(spec: Any, index: int) -> Any:
    layer = from_spec(spec, "layer", f"model.layers[{index}]")
    if "trainable" in spec:
        layer.trainable = expect(spec["trainable"], bool, f"model.layers[{index}].trainable")
    if "name" in spec:
        name = expect(spec["name"], str, f"model.layers[{index}].name")
        if not name or "/" in name:
            raise ValueError(f"malformed configuration: model.layers[{index}].name must be a non-empty name")
        layer.name = name
    if spec.get("unsaved") is not None:
        expect(spec["unsaved"], dict, f"model.layers[{index}].unsaved")
        warn(_unsaved_message(f"load: layer {index}", spec))
    return layer


def _unsaved_message(where: str, spec: dict) -> str:
    return (
        f"{where} ({spec['class_name']}): {', '.join(f'{k}={v!r}' for k, v in spec['unsaved'].items())} "
        "is a custom function, which a file cannot hold; the loaded layer uses the constructor's default "
        "and the saved weights are restored over it. Pass it again if you re-initialise the layer."
    )


def rng_state(rng: np.random.Generator) -> dict[str, Any]:
    """The Generator's bit-generator state as JSON values (arrays become lists)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value

    return plain(rng.bit_generator.state)


def generator(state: Any) -> np.random.Generator:
    """A new Generator in exactly the saved ``state``."""
    name = field(state, "bit_generator", str, "rng")
    if name not in _BIT_GENERATORS:
        raise ValueError(
            f"malformed configuration: rng.bit_generator must be one of {_BIT_GENERATORS}. Received: {name!r}"
        )
    rng = np.random.Generator(getattr(np.random, name)())
    try:
        rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as error:
        raise ValueError(f"malformed configuration: the rng state cannot be restored ({error!r})") from None
    return rng


def metric_specs(metrics: dict[str, Any]) -> list[str | dict[str, Any]]:
    """How a file names the built-in metrics (`tinyframe.metrics.serialize`); the others are left out with a warning.

    A metric that ``metrics.get(name)`` re-creates is saved as its name (``"precision"``); one
    of a built-in class with other settings or another name (``Recall(thresholds=0.7)``,
    ``SparseCategoricalAccuracy(name="acc")``) as ``{"class_name", "config"}``. A wrapped
    function or a metric class of your own is not saved (a file holds no code).
    """
    specs = []
    for metric in metrics.values():
        try:
            specs.append(metrics_module.serialize(metric))
        except ValueError as error:  # "metric 'f1' is a custom function or metric"
            warn(
                f"save: {error}, which a file cannot hold; it is not saved. "
                "After load_model, compile again with it to have it reported."
            )
    return specs
