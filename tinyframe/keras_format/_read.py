"""A Keras ``config.json`` as a tinyframe model: its layers (`_entries`), its graph (`_graph`), its weights' places.

A Sequential is its layers after an InputLayer; a Functional is its InputLayers, each layer's
calls (``inbound_nodes``) and its ``input_layers`` and ``output_layers``. Keras's order of the
model's layers (`keras_order`) names their groups in the weights tree.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .. import saving
from .._config import expect, field
from ..layers.input import Input
from ._entries import entry, input_of, model_dtype, places, sample_shape
from ._graph import ends, make_calls, nodes
from ._order import keras_order
from ._write import Place


class Described(NamedTuple):
    parsed: Any  # saving._Parsed: the layers (new), the dtype, the input shape or the traced graph
    name: str | None
    places: list[Place]


def parse(config: Any) -> Described:
    """The model ``config`` (config.json's object) describes; a ValueError naming the place otherwise."""
    expect(config, dict, "config.json")
    body = field(config, "config", dict, "config.json")
    name = body.get("name")
    expect(name, (str, type(None)), "config.json model name")
    if config.get("class_name") == "Sequential":
        return _sequential(body, name)
    if config.get("class_name") == "Functional":
        return _functional(body, name)
    raise ValueError(
        f"the model is a Keras {config.get('class_name')!r:.100}; tinyframe reads Sequential and Functional models "
        "(a subclassed model's architecture is Python code, which tinyframe never runs)"
    )


def _sequential(body: dict[str, Any], name: Any) -> Described:
    entries = [entry(spec, k) for k, spec in enumerate(field(body, "layers", list, "config.json"))]
    if any(e.layer is None for e in entries[1:]):
        raise ValueError("a Sequential's InputLayer must come first")
    if entries and entries[0].layer is None:
        shape, _ = input_of(entries[0])  # the model casts its inputs to its dtype (an Embedding takes them so)
        entries = entries[1:]
    else:
        shape = sample_shape(body.get("build_input_shape"), "the Sequential's build_input_shape")
    parsed = saving._Parsed([e.layer for e in entries], model_dtype(entries, body.get("dtype")), input_shape=shape)
    return Described(parsed, name, places([e.layer for e in entries], entries))


def _functional(body: dict[str, Any], name: Any) -> Described:
    entries = [entry(spec, k) for k, spec in enumerate(field(body, "layers", list, "config.json"))]
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise ValueError(f"the layers' names must be unique (Keras's nodes name them). Received: {names[:20]}")
    made = {}
    for e in entries:
        if e.layer is None:
            shape, dtype = input_of(e)
            made[(e.name, 0)] = Input(shape, name=e.name, dtype=dtype)
    calls = {e.name: (e.layer, nodes(spec, e.name)) for e, spec in zip(entries, body["layers"]) if e.layer is not None}
    inputs = [made.get(key) for key in ends(body.get("input_layers"), "input_layers")]
    if None in inputs:
        raise ValueError("config.json input_layers must name the model's InputLayers")
    make_calls(calls, made)
    outputs = [made.get(key) for key in ends(body.get("output_layers"), "output_layers")]
    if None in outputs:
        raise ValueError("config.json output_layers must name calls of the model's layers")
    computing = [e for e in entries if e.layer is not None]
    parsed = saving._Parsed([e.layer for e in computing], model_dtype(computing, None), graph=(inputs, outputs))
    return Described(parsed, name, places(keras_order(outputs), entries))
