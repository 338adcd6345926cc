"""A Keras config's layers, one by one: each made a new tinyframe layer (allow-listed classes, never code).

A class name picks a codec of `_table` (Lambda and custom classes are refused), whose constructor
gets the config's values; an InputLayer gives a sample shape (every dimension fixed) and dtype.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .. import saving
from .._config import expect, field
from ..layers.input import InputLayer
from ._order import group_names
from ._table import for_keras
from ._values import Options, policy_name
from ._write import Place

_FLOATS = ("float16", "bfloat16", "float32", "float64")
_INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
_MALFORMED = (TypeError, ValueError, KeyError, IndexError, AttributeError)  # what odd JSON values can raise


class Entry(NamedTuple):
    name: str
    layer: Any  # None for an InputLayer
    codec: Any
    config: dict[str, Any]
    dtype: str | None


def entry(spec: Any, k: int) -> Entry:
    """The layer ``config.json``'s ``layers[k]`` describes, named, its ``trainable`` set (an InputLayer: no layer)."""
    where = f"config.json layers[{k}]"
    class_name = field(spec, "class_name", str, where)
    config = field(spec, "config", dict, where)
    name = config.get("name", spec.get("name"))
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"{where}: a layer needs a name without '/'. Received: {name!r:.100}")
    where = f"layer {name!r} ({class_name})"
    module, registered = spec.get("module") or "keras", spec.get("registered_name")
    if registered not in (None, class_name) or not isinstance(module, str) or not module.startswith("keras"):
        raise ValueError(
            f"{where} is a custom class ({module!r:.100}, {registered!r:.100}); tinyframe reads Keras's own"
        )
    if class_name == "InputLayer":
        return Entry(name, None, None, config, None)
    codec, options = for_keras(class_name, where), Options(config, where)
    try:
        layer = codec.from_keras(options)
        options.done()
        layer.name, layer.trainable = name, expect(config.get("trainable", True), bool, f"{where}.trainable")
    except _MALFORMED as error:
        message = str(error)
        raise ValueError(message if message.startswith(where) else f"{where}: {message}") from None
    return Entry(name, layer, codec, config, policy_name(config.get("dtype"), where))


def model_dtype(entries: list[Entry], default: Any) -> str:
    """The one dtype the layers compute in (Keras's per-layer policies must agree)."""
    found = {e.dtype for e in entries if e.dtype is not None}
    if len(found) > 1:
        raise ValueError(f"the layers compute in several dtypes {sorted(found)}; a tinyframe model computes in one")
    return found.pop() if found else policy_name(default, "the model") or "float32"


def sample_shape(batch_shape: Any, where: str) -> tuple[int, ...]:
    """One sample's shape from Keras's ``batch_shape`` (``[None, 6, 4]``), every dimension fixed."""
    if not isinstance(batch_shape, list) or not batch_shape:
        raise ValueError(f"{where}: batch_shape must be a list [batch, ...]. Received: {batch_shape!r:.100}")
    if None in batch_shape[1:]:
        raise ValueError(
            f"{where}: batch_shape {batch_shape} has a dimension of any size (None); tinyframe needs every "
            "dimension of a sample fixed"
        )
    return saving._input_shape(batch_shape[1:], f"{where}.batch_shape")


def input_of(entry: Entry) -> tuple[tuple[int, ...], str | None]:
    """The sample shape and dtype an InputLayer declares; an integer dtype is kept (indices for an Embedding)."""
    where, config = f"input {entry.name!r}", entry.config
    shape = sample_shape(config.get("batch_shape", config.get("batch_input_shape")), where)
    for key in ("sparse", "ragged", "optional"):
        if config.get(key) not in (None, False):
            raise ValueError(f"{where}: {key}={config[key]!r:.100} is not supported (tinyframe's inputs are dense)")
    dtype = config.get("dtype")
    if dtype is not None and dtype not in _FLOATS + _INTS:
        raise ValueError(f"{where}: dtype {dtype!r:.100} is not supported; tinyframe takes numbers")
    return shape, dtype if dtype in _INTS else None


def places(order: list[Any], entries: list[Entry]) -> list[Place]:
    """Each layer of ``order`` (Keras's order of model.layers) with its group in the weights tree."""
    by_layer = {id(e.layer): e for e in entries if e.layer is not None}
    rows = []
    for layer in order:
        e = None if isinstance(layer, InputLayer) else by_layer[id(layer)]
        rows.append((layer, layer.name, None, None) if e is None else (layer, e.name, e.codec, e.config))
    groups = group_names(["InputLayer" if codec is None else codec.keras for _, _, codec, _ in rows])
    return [Place(group, *row) for group, row in zip(groups, rows)]
