"""Save and load models in one ``.npz`` file that never runs code when it is loaded.

A file holds, as ``.npy`` arrays in a zip archive (``numpy.load`` can read it):

* ``config``: a JSON string with the format version, the architecture (each
  layer's registered class name and ``get_config()``), the dtype, the state of the
  model's random Generator and, with ``include_optimizer=True``, the loss, the
  optimizer (its config and ``iterations``) and the built-in metric names;
* ``layers/<i>/<name>``: parameter or non-trainable state ``name`` of layer ``i``
  (``W``, ``b``, a running mean, ...); a frozen layer's spec says ``"trainable": false``;
* ``optimizer/<i>/<name>/<slot>``: the optimizer's state (Momentum's velocity, Adam's
  moments) of parameter ``name`` of layer ``i``, shaped like it (files before format 4:
  ``optimizer/0/<slot>``, one flat array over every parameter in ``get_weights`` order).

Pickle (the way ``torch.load`` without ``weights_only`` and Keras Lambda layers could
run code from a file) is never used: arrays are read with their dtype checked
(object arrays refused) and classes are chosen by name from `tinyframe.registry`.

Example:
    >>> model.save("model.npz")                      # doctest: +SKIP
    >>> same = tinyframe.load_model("model.npz")     # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import json
import os
from typing import Any

import numpy as np

from . import _config, _training_state
from ._archive import NpzReader, npz_bytes, write_npz
from ._ownership import reading
from ._params import plan_layers
from .layers.base import declared_input_shape, trace_shapes
from .layers.input import Input, InputLayer
from .layers.shapes import as_input_shape
from .model import Model, Sequential, check_dtype

# 2 added the model's input shape and the layers' names; 3 functional graphs (Model); 4 optimizer state per
# (layer, parameter). A file says the lowest version that has what it holds, so older tinyframes read what they can.
FORMAT_VERSION = 4
_GRAPH_VERSION = 3
_LINE_VERSION = 2
SUPPORTED_VERSIONS = (1, 2, 3, 4)
_CONFIG = "config"


def save_model(model: Model, path: str | os.PathLike, include_optimizer: bool = True) -> None:
    """Write ``model`` to ``path`` atomically (the previous file survives any failure).

    Args:
        model: the model.
        path: the file, written as given (``.npz`` is the usual ending; a name ending in ``.keras`` or
            ``.weights.h5`` is written in Keras 3's format, `tinyframe.keras_format`).
        include_optimizer: also save the loss, the optimizer with its state and the
            metric names, so that `fit` can resume exactly (needs a compiled model).
    """

    if not isinstance(model, Model):
        raise TypeError(f"save: expected a tinyframe Model or Sequential. Received: {type(model).__name__}")
    model._require_built("save")
    with reading(model.layers, "save"):  # no fit in another thread changes the arrays while they are written
        keras_format = _keras_format(path)
        if keras_format is not None:
            keras_format.save(model, path, include_optimizer)
        else:
            _save(model, path, include_optimizer)


def model_to_bytes(model: Model, include_optimizer: bool = False) -> bytes:
    """The bytes of the ``.npz`` file `save_model` writes (no file): how a model travels to other processes.

    `model_from_bytes` reads them back with `load_model`'s checks: no pickle either way, so a
    worker that receives them runs no code from them. Without the optimizer by default (scoring).

    Example:
        >>> from tinyframe.layers import Dense, Input
        >>> model = Sequential([Input((3,)), Dense(2)], seed=0)
        >>> same = model_from_bytes(model_to_bytes(model))
        >>> all((a == b).all() for a, b in zip(model.get_weights(), same.get_weights()))
        True
    """
    if not isinstance(model, Model):
        raise TypeError(f"model_to_bytes: expected a tinyframe Model or Sequential. Received: {type(model).__name__}")
    model._require_built("model_to_bytes")
    with reading(model.layers, "model_to_bytes"):
        return npz_bytes(_arrays(model, include_optimizer))


def model_from_bytes(content: bytes, name: str = "<model bytes>") -> Model:
    """The model whose `model_to_bytes` (or the bytes of a saved ``.npz`` file) ``content`` is; ``name`` is
    what errors call it. The checks and the refusals are `load_model`'s."""
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError(f"model_from_bytes: expected bytes (model_to_bytes's). Received: {type(content).__name__}")
    return _load(NpzReader(name, content=bytes(content)))


def _save(model: Model, path: str | os.PathLike, include_optimizer: bool) -> None:
    write_npz(path, _arrays(model, include_optimizer))


def _arrays(model: Model, include_optimizer: bool) -> dict[str, np.ndarray]:
    """Every array of the file: the JSON ``config`` and the weights (and optimizer state)."""
    from . import __version__

    header = {
        "format": "tinyframe",
        "format_version": _LINE_VERSION if isinstance(model, Sequential) else _GRAPH_VERSION,
        "tinyframe_version": __version__,
        "model": model_config(model),
        "rng": _config.rng_state(model.rng),
    }
    arrays = _weight_names(model)
    if include_optimizer and model.optimizer is not None:
        header["compile"], state = _training_state.describe(model, _param_places(model))
        arrays.update(state)
        if state:
            header["format_version"] = FORMAT_VERSION
    return {_CONFIG: np.array(json.dumps(header, allow_nan=False)), **arrays}


def _weight_names(model: Model) -> dict[str, np.ndarray]:
    """``layers/<i>/<name>`` for every parameter and state array, in `Model.weights` order.

    ``i`` counts the layers that compute (a functional model's `InputLayer` s are not counted).
    """
    return {
        f"layers/{i}/{name}": w
        for i, layer in enumerate(_computing(model.layers))
        for name, w in (*layer.params.items(), *layer.state.items())
    }


def _param_places(model: Model) -> dict[tuple[str, str], str]:
    """``{(layer name, parameter name): "<i>/<parameter name>"}``: where each parameter is in the file."""
    return {
        (layer.name, name): f"{i}/{name}" for i, layer in enumerate(_computing(model.layers)) for name in layer.params
    }


def _computing(layers: list[Any]) -> list[Any]:
    return [layer for layer in layers if not isinstance(layer, InputLayer)]


def load_model(path: str | os.PathLike) -> Model:
    """The model saved at ``path``, compiled as it was if the file holds the optimizer.

    A Keras 3 ``.keras`` file is read by `tinyframe.keras_format` (its architecture and weights).

    Raises:
        ValueError: the file is not a tinyframe model (truncated, not an ``.npz``,
            arrays missing, extra or of the wrong shape or dtype, malformed JSON,
            object arrays), comes from an unsupported format version, or names a
            class that is neither built in nor registered with `tinyframe.register`.
    """
    keras_format = _keras_format(path, reading=True)
    if keras_format is not None:
        return keras_format.load_model(path)
    return _load(NpzReader(path))


def _load(reader: NpzReader) -> Model:
    with reader:
        header = _read_header(reader)
        flat = header["format_version"] < 4  # the optimizer's state as one flat array per slot
        try:
            spec = _config.field(header, "model", dict, "config")
            parsed = _parsed(spec)
            rng = _config.generator(header.get("rng"))
            compiled = None if header.get("compile") is None else _training_state.read(header["compile"])
            slots = _training_state.slot_names(header.get("compile"), flat)
            planned, total, params = _planned_weights(parsed)
            slot_shapes = {name: (total,) if flat else _slot_shape(params, place) for name, (place, _) in slots.items()}
        except (TypeError, ValueError) as error:
            raise reader.error(str(error)) from None
        # Every array the configuration needs must be in the file, whole, before any is allocated.
        reader.check_names({_CONFIG, *planned, *slots})
        for name, shape in [*planned.items(), *slot_shapes.items()]:
            reader.check(name, shape, parsed.dtype)
        try:
            saved_rng = rng.bit_generator.state
            model = _assembled(parsed, rng, spec.get("name"))
            model._require_built("load_model")
            rng.bit_generator.state = saved_rng  # building drew initial weights from it
        except (TypeError, ValueError) as error:
            raise reader.error(str(error)) from None
        weights = _weight_names(model)
        _set_weights(reader, model, {name: reader.read(name, p.shape, model.dtype) for name, p in weights.items()})
        if compiled is not None:
            try:
                model.compile(*compiled)  # a compile entry that does not fit this model (metrics by output for one)
            except (TypeError, ValueError) as error:
                raise reader.error(f"malformed configuration: compile: {error}") from None
            read = {
                place_slot: _finite(reader, name, reader.read(name, slot_shapes[name], model.dtype))
                for name, place_slot in slots.items()
            }
            model.optimizer.state = _training_state.state_from_file(model, _param_places(model), read, flat)
    return model


def _slot_shape(params: dict[str, tuple[int, ...]], place: str) -> tuple[int, ...]:
    """The shape of parameter ``place`` (``"<i>/<name>"``), which optimizer state there must have."""
    shape = params.get(f"layers/{place}")
    if shape is None:
        raise ValueError(f"malformed configuration: optimizer state for {place!r}, which is no parameter of the model")
    return shape


def model_config(model: Model) -> dict[str, Any]:
    """The architecture of a built model as plain JSON values: what a file's ``model`` entry holds.

    A `Sequential`: ``{"class_name": "Sequential", "dtype", "name", "input_shape", "layers": [{"class_name",
    "config", "name", ...}]}``. A functional `Model`: ``{"class_name": "Functional", "dtype", "name",
    "layers", "inputs": [{"name", "shape", "dtype"}], "nodes": [[layer, [tensor, ...], listed]],
    "outputs": [tensor, ...]}``, where a tensor is ``["input", k]`` or ``["node", j]`` (node ``j``'s output),
    and a node only takes tensors made before it. A node whose call had options (``use_causal_mask=True``)
    has them as a fourth entry, ``{"use_causal_mask": true}``. Each layer's spec is checked to re-create a
    layer of the same shapes. `Model.get_config` returns it.
    """
    if not isinstance(model, Sequential) and model._graph is None:
        raise TypeError(
            f"save: {type(model).__name__} is a subclassed Model: its architecture is its code (call()), which a file "
            "never holds. Keep its weights with model.get_weights() and set_weights(), or build the same model with "
            "the functional API or a Sequential to save it"
        )
    from .ops.base import Op

    if not isinstance(model, Sequential) and model._graph.constants:
        raise TypeError(
            f"save: the model {model.name!r} calls a layer on a constant (ops.arange in a layer's call), which saved "
            "files do not describe yet. Keep its weights with get_weights()/set_weights(), or use "
            "PositionEmbedding or TokenAndPositionEmbedding, which a file describes"
        )
    layers = _computing(model.layers)
    if any(isinstance(layer, Op) for layer in layers):
        raise TypeError(
            f"save: the model {model.name!r} uses tinyframe.ops (or arithmetic on tensors: x + y, x @ w), which "
            "saved files do not describe yet. Keep its weights with get_weights()/set_weights(), or use layers "
            "(Add, Multiply, Dense, ...) for those steps"
        )
    specs = [_config.layer_spec(i, layer, model.dtype) for i, layer in enumerate(layers)]
    if isinstance(model, Sequential):
        return {
            "class_name": "Sequential",
            "dtype": model.dtype.name,
            "name": model.name,
            "input_shape": list(model.input_shape),
            "layers": specs,
        }
    graph = model._graph
    index = {id(layer): i for i, layer in enumerate(layers)}
    refs = {id(t): ["input", k] for k, t in enumerate(graph.inputs)}
    nodes = []
    for j, node in enumerate(graph.nodes):
        entry = [index[id(node.layer)], [refs[id(t)] for t in node.inputs], node.listed]
        nodes.append([*entry, node.options] if node.options else entry)
        refs[id(node.output)] = ["node", j]
    config = {
        "class_name": "Functional",
        "dtype": model.dtype.name,
        "name": model.name,
        "layers": specs,
        "inputs": [
            {"name": t.name, "shape": list(t.sample_shape), "dtype": t.node.layer.input_dtype} for t in graph.inputs
        ],
        "nodes": nodes,
        "outputs": [refs[id(t)] for t in graph.outputs],
    }
    if model._input_keys is not None:
        config["input_keys"] = list(model._input_keys)
    if model._output_keys is not None:
        config["output_keys"] = list(model._output_keys)
    return config


def model_from_config(spec: Any, seed: Any = None) -> Model:
    """A new model, with new weights drawn from ``seed``, from a `model_config` dict (`Model.from_config`).

    Classes are chosen by registered name (`tinyframe.registry`), so a config never runs
    code; a malformed one is a ValueError naming the place.
    """
    _config.expect(spec, dict, "model")
    return _assembled(_parsed(spec), seed, spec.get("name"))


class _Parsed:
    """What a ``model`` entry describes: new layers (not built), the dtype, and the input shape or the graph."""

    def __init__(self, layers: list[Any], dtype: str, input_shape: Any = None, graph: Any = None) -> None:
        self.layers, self.dtype, self.input_shape, self.graph = layers, dtype, input_shape, graph


def _parsed(spec: dict[str, Any]) -> _Parsed:
    """The layers (new, not built), the dtype, and the input shape (a line) or the traced graph (functional)."""
    layers = [_config.layer_from_spec(s, i) for i, s in enumerate(_config.field(spec, "layers", list, "model"))]
    dtype = _config.field(spec, "dtype", str, "model")
    if spec.get("class_name", "Sequential") == "Sequential":
        return _Parsed(layers, dtype, input_shape=_input_shape(spec.get("input_shape"), "model.input_shape"))
    if spec.get("class_name") != "Functional":
        raise ValueError(
            f"malformed configuration: model.class_name must be 'Sequential' or 'Functional'. "
            f"Received: {spec.get('class_name')!r}"
        )
    return _Parsed(layers, dtype, graph=_traced_graph(spec, layers))


def _traced_graph(spec: dict[str, Any], layers: list[Any]) -> tuple[Any, list[Any]]:
    """The saved graph called anew on new `Input` s (shapes traced, nothing built): ``(inputs, outputs)``."""
    inputs = []
    for k, entry in enumerate(_config.field(spec, "inputs", list, "model")):
        where = f"model.inputs[{k}]"
        _config.expect(entry, dict, where)
        name = entry.get("name")
        if name is not None:
            _config.expect(name, str, f"{where}.name")
        dtype = entry.get("dtype")
        if dtype is not None:
            _config.expect(dtype, str, f"{where}.dtype")
        inputs.append(Input(_input_shape(entry.get("shape"), f"{where}.shape"), name=name, dtype=dtype))
    made: list[Any] = []

    def tensor(ref: Any, where: str) -> Any:
        ok = isinstance(ref, list) and len(ref) == 2 and ref[0] in ("input", "node")
        pool = inputs if ok and ref[0] == "input" else made
        if not ok or isinstance(ref[1], bool) or not isinstance(ref[1], int) or not 0 <= ref[1] < len(pool):
            raise ValueError(
                f"malformed configuration: {where} must be ['input', k] or ['node', j] naming an input or an "
                f"earlier node (a node takes only tensors made before it). Received: {ref!r}"
            )
        return pool[ref[1]]

    for j, entry in enumerate(_config.field(spec, "nodes", list, "model")):
        where = f"model.nodes[{j}]"
        if not (isinstance(entry, list) and len(entry) in (3, 4) and isinstance(entry[1], list)):
            raise ValueError(f"malformed configuration: {where} must be [layer, [tensor, ...], listed(, options)]")
        i, refs, listed = entry[:3]
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(layers):
            raise ValueError(f"malformed configuration: {where}[0] must be a layer index. Received: {i!r}")
        _config.expect(listed, bool, f"{where}[2]")
        args = [tensor(ref, f"{where} input {r}") for r, ref in enumerate(refs)]
        if not args or (not listed and len(args) != 1):
            raise ValueError(f"malformed configuration: {where} must take one tensor, or a list (listed)")
        options = _node_options(entry[3], layers[i], where) if len(entry) == 4 else None
        made.append(layers[i]._apply(args if listed else args[0], None, options))
    outputs = [
        tensor(ref, f"model.outputs[{k}]") for k, ref in enumerate(_config.field(spec, "outputs", list, "model"))
    ]
    keys = spec.get("input_keys")
    if keys is not None:
        _config.expect(keys, list, "model.input_keys")
        if len(keys) != len(inputs) or not all(isinstance(k, str) for k in keys):
            raise ValueError("malformed configuration: model.input_keys must name each input once")
        inputs = dict(zip(keys, inputs))
    keys = spec.get("output_keys")
    if keys is not None:
        _config.expect(keys, list, "model.output_keys")
        if len(keys) != len(outputs) or not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys):
            raise ValueError("malformed configuration: model.output_keys must name each output once")
        outputs = dict(zip(keys, outputs))
    return inputs, outputs


def _node_options(options: Any, layer: Any, where: str) -> dict[str, Any]:
    """A saved node's call options: plain values, each a keyword of the layer's ``forward``."""
    _config.expect(options, dict, f"{where}[3]")
    accepted = inspect.signature(layer.forward).parameters
    for key, value in options.items():
        if key not in accepted or key in ("self", "x", "inputs", "training"):
            raise ValueError(f"malformed configuration: {where}: {type(layer).__name__} takes no call option {key!r}")
        if not isinstance(value, (bool, int, float, str)):
            raise ValueError(f"malformed configuration: {where}: option {key!r} must be a plain value")
    return options


def _assembled(parsed: _Parsed, seed: Any, name: Any) -> Model:
    """The model those layers make, built: a line from the saved input shape, or the saved graph."""
    if parsed.graph is not None:
        inputs, outputs = parsed.graph
        return Model(inputs, outputs, name=name or None, dtype=parsed.dtype, seed=seed)
    given = [] if parsed.input_shape is None else [InputLayer(parsed.input_shape)]
    return Sequential([*given, *parsed.layers], dtype=parsed.dtype, seed=seed, name=name or None)


def _input_shape(shape: Any, where: str) -> tuple[int | None, ...] | None:
    """A saved input shape, or None (format 1 files: the first layer declares it); a null is a variable size."""
    if shape is None:
        return None
    _config.expect(shape, list, where)
    sizes = [d for d in shape if d is not None]
    if len(shape) > 32 or not all(isinstance(d, int) and not isinstance(d, bool) and 0 < d <= 2**31 for d in sizes):
        raise ValueError(
            f"malformed configuration: {where} must be a list of positive ints (null: a variable size). "
            f"Received: {shape}"
        )
    return as_input_shape(shape, where, variable=True, batch=False)


def _planned_weights(parsed: _Parsed) -> tuple[dict[str, tuple[int, ...]], int, dict[str, tuple[int, ...]]]:
    """``({"layers/<i>/<name>": shape}, number of parameters, the parameters' entries alone)`` from the
    layers' plans; nothing is allocated.

    The planning pass of `tinyframe._params.build_layers` hands out zero-stride stand-ins, so a
    configuration that describes a huge model costs nothing until its arrays are found in the file.
    """
    dtype, layers = check_dtype(parsed.dtype), parsed.layers
    if parsed.graph is not None:
        shapes_in = [layer._nodes[0].input_shapes if layer._nodes else None for layer in layers]
        if None in shapes_in:
            unused = layers[shapes_in.index(None)]
            raise ValueError(f"malformed configuration: layer {unused.name or type(unused).__name__} is never called")
    else:
        shape = declared_input_shape(layers) if parsed.input_shape is None else parsed.input_shape
        if shape is None:
            raise ValueError(
                "malformed configuration: the model's input shape is neither saved nor declared by its layers"
            )
        shapes_in = trace_shapes(layers, shape, "model")
    total = plan_layers(layers, dtype, shapes_in)
    shapes, params = {}, {}
    for i, layer in enumerate(layers):
        params.update({f"layers/{i}/{name}": p.shape for name, p in layer.params.items()})
        shapes.update({f"layers/{i}/{name}": s.shape for name, s in (*layer.params.items(), *layer.state.items())})
    return shapes, total, params


def load_weights(model: Model, path: str | os.PathLike) -> None:
    """Copy the weights saved at ``path`` into ``model``, whose layers must have the same parameter shapes.

    Any tinyframe model file works (the optimizer part, if any, is ignored), and Keras 3's
    ``.weights.h5`` and ``.keras`` files (`tinyframe.keras_format`). The
    weights are cast to the model's dtype; nothing changes unless all of them fit.
    """
    keras_format = _keras_format(path, reading=True)
    if keras_format is not None:
        keras_format.load_weights(model, path)
        return
    with NpzReader(path) as reader:
        header = _read_header(reader)
        try:
            spec = _config.field(header, "model", dict, "config")
            saved = [_config.field(s, "class_name", str, "layer") for s in _config.field(spec, "layers", list, "model")]
            dtype = np.dtype(_config.field(spec, "dtype", str, "model"))
            slots = _training_state.slot_names(header.get("compile"), header["format_version"] < 4)
        except (TypeError, ValueError) as error:
            raise reader.error(str(error)) from None
        layers = _computing(model.layers)
        if len(saved) != len(layers):
            raise reader.error(f"the file holds {len(saved)} layers {saved}; the model has {len(layers)}")
        weights = _weight_names(model)
        reader.check_names({_CONFIG, *weights, *slots})
        _set_weights(reader, model, {name: reader.read(name, p.shape, dtype) for name, p in weights.items()})


def _keras_format(path: Any, reading: bool = False) -> Any:
    """`tinyframe.keras_format` if ``path`` ends in ``.keras`` or ``.weights.h5`` (Keras's files), else None.

    Imported only then: it builds on this module, and tinyframe's own files never need it. When
    ``reading``, a file of such a name that is tinyframe's own ``.npz`` (as tinyframe wrote every
    name before it wrote Keras's format) is read as one: None.
    """
    try:
        keras_file = os.fsdecode(os.fspath(path)).endswith((".keras", ".weights.h5"))
    except TypeError:
        return None  # tinyframe's own reader and writer report the bad path
    if not keras_file:
        return None
    from . import keras_format

    return None if reading and keras_format.is_npz(path) else keras_format


def _finite(reader: NpzReader, name: str, array: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(array)):
        raise reader.error(f"array {name!r} contains NaN or infinity; training would carry them into every weight")
    return array


def _set_weights(reader: NpzReader, model: Model, arrays: dict[str, np.ndarray]) -> None:
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
