"""`Codec`: how one Keras layer class and the tinyframe classes saved as it convert, both ways."""

from __future__ import annotations

from typing import Any

from ..layers.base import Layer
from ._values import Options


class Codec:
    """The conversion of one Keras layer class; a subclass fills in what differs from a plain layer.

    * ``keras``: Keras's class name; ``tiny``: the tinyframe classes saved as it (exact types).
    * ``to_keras(layer, where)``: the Keras config's own keys (the caller adds name, trainable, dtype).
    * ``from_keras(options)``: a new tinyframe layer (not built) from a Keras config read with `Options`.
    * ``slots(layer, config)``: where the weights are in Keras's tree, ``[(path in the layer's group,
      [tinyframe's weight names])]`` in Keras's order; by default the parameters, then the state, in ``vars``.
    * ``int_weights``: the weights Keras keeps as integers (Normalization's ``count``);
      ``loaded(name, array)``: a weight as tinyframe keeps it, from Keras's (the same by default).

    A plain codec has no options: ``Codec("Flatten", Flatten)`` writes ``{}`` and makes ``Flatten()``.
    """

    int_weights: frozenset[str] = frozenset()

    def __init__(self, keras: str, *tiny: type) -> None:
        self.keras, self.tiny = keras, tiny

    def to_keras(self, layer: Layer, where: str) -> dict[str, Any]:
        return {}

    def from_keras(self, options: Options) -> Layer:
        return self.tiny[0]()

    def slots(self, layer: Layer, config: dict[str, Any]) -> list[tuple[str, list[str]]]:
        return [("vars", [*layer.params, *layer.state])]

    def loaded(self, name: str, array: Any) -> Any:
        return array


def sizes(value: Any) -> Any:
    """A Keras size (an int, or a JSON list for a tuple) as tinyframe's constructors take it."""
    return tuple(value) if isinstance(value, list) else value
