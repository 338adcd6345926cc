"""A tinyframe model in Keras's terms: its ``config.json`` and its weights tree, everything refused before writing.

A `Sequential` becomes Keras's ``Sequential`` (an ``InputLayer``, then the layers); a functional
`Model` becomes Keras's ``Functional``: each layer with its ``inbound_nodes`` (one per call,
naming the tensors it takes as ``[layer, node, 0]``), in tinyframe's order of ``model.layers``
(Keras reads any order), and the model's ``input_layers`` and ``output_layers``. The weights'
groups follow Keras's own order of the layers (`keras_order`), which is how Keras finds them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import saving
from ..layers.input import InputLayer
from ..model import Sequential
from ._codec import Codec
from ._order import group_names, keras_order, snake_case
from ._table import for_layer
from ._values import keras_object, policy


class Place(NamedTuple):
    """A layer in Keras's terms: its group in the tree, its name, its codec and Keras config (None: an InputLayer)."""

    group: str
    layer: Any
    name: str
    codec: Codec | None
    config: dict[str, Any] | None


def places(model: Any) -> list[Place]:
    """The layers of ``model`` in the order Keras keeps ``model.layers``; a ValueError for one Keras cannot hold."""
    if not isinstance(model, Sequential) and model._graph is None:
        raise TypeError(
            "a subclassed Model's architecture is its code (call()), which Keras's format holds as code too; "
            "build it with the functional API or a Sequential, or use a .npz file"
        )
    if getattr(model, "_input_keys", None) is not None:
        raise ValueError("a model with a dict of inputs is not written in Keras's format; use a .npz file")
    layers = saving._computing(model.layers) if isinstance(model, Sequential) else keras_order(model._graph.outputs)
    names, made = _names(layers), []
    for layer in layers:
        name = names[id(layer)]
        if isinstance(layer, InputLayer):
            made.append((layer, name, None, None))
            continue
        where = f"layer {name!r} ({type(layer).__name__})"
        codec = for_layer(layer, where)
        made.append((layer, name, codec, codec.to_keras(layer, where)))
    groups = group_names([codec.keras if codec else "InputLayer" for _, _, codec, _ in made])
    return [Place(group, *entry) for group, entry in zip(groups, made)]


def _names(layers: list[Any]) -> dict[int, str]:
    """Each layer's name, made unique (Keras needs it): its own, or its class's in snake_case."""
    names: dict[int, str] = {}
    for layer in layers:
        base = layer.name or snake_case(type(layer).__name__)
        name, k = base, 0
        while name in names.values():
            k += 1
            name = f"{base}_{k}"
        names[id(layer)] = name
    return names


def describe(model: Any) -> tuple[dict[str, Any], list[tuple[str, str, list[tuple[str, list[np.ndarray]]]]]]:
    """``(config.json, the tree's groups for tree_bytes)`` of ``model``."""
    found = places(model)
    tree = [(p.group, p.name, _slots(p)) for p in found]
    if isinstance(model, Sequential):
        shape = [None, *model.input_shape]
        layers = [_input_spec(shape, model.dtype.name, "input_layer")] + [_spec(p, model.dtype) for p in found]
        config = {"name": model.name, "trainable": True, "dtype": policy(model.dtype), "layers": layers}
        spec = keras_object("keras", "Sequential", {**config, "build_input_shape": shape})
        return {**spec, "build_config": {"input_shape": shape}}, tree
    return _functional(model, found), tree


def _functional(model: Any, found: list[Place]) -> dict[str, Any]:
    names = {id(p.layer): p.name for p in found}
    calls: dict[int, list[Any]] = {}  # each layer's nodes, in call order: Keras's node indices
    for node in [*(t.node for t in model._graph.inputs), *model._graph.nodes]:
        calls.setdefault(id(node.layer), []).append(node)

    def history(t: Any) -> list[Any]:
        return [names[id(t.node.layer)], calls[id(t.node.layer)].index(t.node), 0]

    def tensor(t: Any) -> dict[str, Any]:
        shape, dtype = [None, *t.sample_shape], t.dtype or model.dtype.name
        return {
            "class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": dtype, "keras_history": history(t)},
        }

    layers = []  # in tinyframe's order (first calls): Keras reads any, and tinyframe's reader keeps it
    by_layer = {id(p.layer): p for p in found}
    for p in (by_layer[id(layer)] for layer in model.layers):
        if p.codec is None:
            t = p.layer._nodes[0].output
            spec, nodes = _input_spec([None, *t.sample_shape], t.dtype or model.dtype.name, p.name), []
        else:
            spec, nodes = _spec(p, model.dtype), []
            for node in calls[id(p.layer)]:
                args = [tensor(t) for t in node.inputs]
                nodes.append({"args": [args if node.listed else args[0]], "kwargs": {}})
        layers.append({**spec, "name": p.name, "inbound_nodes": nodes})
    ends = [[history(t) for t in model._graph.inputs], [history(t) for t in model._graph.outputs]]
    ins, outs = (end[0] if len(end) == 1 else end for end in ends)
    config = {"name": model.name, "trainable": True, "layers": layers, "input_layers": ins, "output_layers": outs}
    spec = keras_object("keras.src.models.functional", "Functional", config)
    return {**spec, "registered_name": "Functional", "build_config": {"input_shape": None}}


def _input_spec(batch_shape: list[Any], dtype: str, name: str) -> dict[str, Any]:
    return keras_object(
        "keras.layers", "InputLayer", {"batch_shape": batch_shape, "dtype": dtype, "sparse": False, "name": name}
    )


def _spec(p: Place, dtype: np.dtype) -> dict[str, Any]:
    config = {"name": p.name, "trainable": p.layer.trainable, "dtype": policy(dtype), **p.config}
    spec = keras_object("keras.layers", p.codec.keras, config)
    if p.layer.params or p.layer.state:  # Keras builds such a layer from it before reading its weights
        spec["build_config"] = {"input_shape": [None, *p.layer.input_shape]}
    return spec


def _slots(p: Place) -> list[tuple[str, list[np.ndarray]]]:
    """The arrays of a layer in Keras's places; Keras's integers (a count) as int32, clipped to its range."""
    if p.codec is None:
        return []
    held = {**p.layer.params, **p.layer.state}
    ints = p.codec.int_weights

    def array(name: str) -> np.ndarray:
        return np.int32(min(held[name], 2**31 - 1)) if name in ints else held[name]

    return [(path, [array(name) for name in names]) for path, names in p.codec.slots(p.layer, p.config) if names]
