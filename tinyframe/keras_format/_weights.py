"""A model's weights in Keras's tree: where each one is, checked all before any is read, read all before any is set."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import saving
from ._h5 import TreeReader
from ._write import Place

_INTEGERS = ("int32", "int64")  # Keras's count of an adapted Normalization


def _wanted(places: list[Place]) -> list[tuple[str, Place, str, bool]]:
    """``(dataset, place, tinyframe's name of the weight, an integer in Keras)`` for every weight, Keras's order."""
    wanted = []
    for p in places:
        for path, names in [] if p.codec is None else p.codec.slots(p.layer, p.config):
            for i, name in enumerate(names):
                wanted.append((f"layers/{p.group}/{path}/{i}", p, name, name in p.codec.int_weights))
    return wanted


def check(tree: TreeReader, places: list[Place], dtypes: tuple[str, ...]) -> None:
    """Refuse a tree that is not the model's: other layers, other variables, or a dataset's shape or dtype."""
    groups = {p.group for p in places}
    extra = sorted(set(tree.keys("layers")) - groups)
    if extra:
        raise tree.error(f"{tree.what}it holds the weights of layers {extra[:10]}, which the model does not have")
    for p in places:
        held = dict(p.codec.slots(p.layer, p.config)) if p.codec else {}
        for path in {"vars", *held}:
            found, expected = tree.keys(f"layers/{p.group}/{path}"), [str(i) for i in range(len(held.get(path, [])))]
            if sorted(found) != sorted(expected):
                raise tree.error(
                    f"{tree.what}layer {p.name!r} ({p.codec.keras if p.codec else 'InputLayer'}) must have "
                    f"{len(expected)} variables in 'layers/{p.group}/{path}'. Received: {sorted(found)[:10]}"
                )
    for path, p, name, integer in _wanted(places):
        tree.read(path, _shape(p.layer, name), _INTEGERS if integer else dtypes, data=False)


def read(tree: TreeReader, places: list[Place], dtypes: tuple[str, ...]) -> dict[tuple[int, str], np.ndarray]:
    """``{(id(layer), name): array}`` of every weight in the tree (after `check`)."""
    return {
        (id(p.layer), name): p.codec.loaded(
            name, tree.read(path, _shape(p.layer, name), _INTEGERS if integer else dtypes)
        )
        for path, p, name, integer in _wanted(places)
    }


def set_all(model: Any, arrays: dict[tuple[int, str], np.ndarray], error: Any) -> None:
    """Every weight of ``model`` from ``arrays`` (those Keras keeps in its config stay as made), checked all first."""
    weights = [
        arrays.get((id(layer), name), value)
        for layer in saving._computing(model.layers)
        for name, value in (*layer.params.items(), *layer.state.items())
    ]
    try:
        model.set_weights(weights)
    except (TypeError, ValueError) as problem:
        raise error(str(problem)) from None


def _shape(layer: Any, name: str) -> tuple[int, ...]:
    return {**layer.params, **layer.state}[name].shape
