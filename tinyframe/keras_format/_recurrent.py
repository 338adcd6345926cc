"""SimpleRNN, GRU, LSTM and Bidirectional: Keras's configs and its cells' variables both ways.

tinyframe's recurrent layers keep Keras's layout, so the weights copy as they are: a kernel
``(features, k * units)``, a recurrent kernel ``(units, k * units)`` and a bias, the gate blocks
in Keras's order (GRU ``z, r, h`` with a ``(2, 3 * units)`` bias for ``reset_after``; LSTM
``i, f, c, o``). Keras keeps them in the layer's cell: ``<group>/cell/vars/0, 1, 2``, and a
Bidirectional's two layers in ``forward_layer/cell`` and ``backward_layer/cell``.
"""

from __future__ import annotations

from typing import Any

from ..layers import GRU, LSTM, Bidirectional, SimpleRNN
from ..layers.recurrent import Recurrent
from ._activations import activation_from_name, activation_name
from ._codec import Codec
from ._values import Options, initializer_from_keras, initializer_to_keras, keras_object, policy

_WEIGHTS = ["kernel", "recurrent_kernel", "bias"]
_INITIALIZERS = {"kernel": "glorot_uniform", "recurrent": "orthogonal", "bias": "zeros"}


class _Recurrent(Codec):
    def to_keras(self, layer: Recurrent, where: str, backwards: bool = False) -> dict[str, Any]:
        config = {"units": layer.units, "activation": activation_name(layer.activation, where)}
        if hasattr(layer, "recurrent_activation"):
            config["recurrent_activation"] = activation_name(layer.recurrent_activation, where)
        config.update(use_bias=True, return_sequences=layer.return_sequences, go_backwards=backwards)
        for part, default in _INITIALIZERS.items():
            key = f"{part}_initializer"
            config[key] = initializer_to_keras(getattr(layer, key), default, where)
        if isinstance(layer, LSTM):
            config["unit_forget_bias"] = layer.unit_forget_bias
        if isinstance(layer, GRU):
            config["reset_after"] = True
        return {**config, "dropout": 0.0, "recurrent_dropout": 0.0}

    def from_keras(self, options: Options, backwards: bool = False) -> Recurrent:
        get, where = options.get, options.where
        options.only("use_bias", True)
        options.only("go_backwards", backwards)
        for key, default in (
            ("return_state", False),
            ("stateful", False),
            ("dropout", 0.0),
            ("recurrent_dropout", 0.0),
        ):
            options.only(key, default)
        options.ignored("unroll", "zero_output_for_mask", "seed")  # a speed hint, masks, the dropout's seed
        kwargs = {"activation": activation_from_name(get("activation", "tanh"), where)}
        if self.tiny[0] is not SimpleRNN:
            kwargs["recurrent_activation"] = activation_from_name(get("recurrent_activation", "sigmoid"), where)
        for part, default in _INITIALIZERS.items():
            key = f"{part}_initializer"
            kwargs[key] = initializer_from_keras(get(key, None), default, where)
        if self.tiny[0] is LSTM:
            kwargs["unit_forget_bias"] = get("unit_forget_bias", True)
        if self.tiny[0] is GRU:
            options.only("reset_after", True)
        return self.tiny[0](get("units"), return_sequences=get("return_sequences", False), **kwargs)

    def slots(self, layer: Recurrent, config: dict[str, Any]) -> list[tuple[str, list[str]]]:
        return [("cell/vars", list(_WEIGHTS))]


_RECURRENT = {
    c.keras: c for c in (_Recurrent("SimpleRNN", SimpleRNN), _Recurrent("GRU", GRU), _Recurrent("LSTM", LSTM))
}


class _Bidirectional(Codec):
    """Keras's backward layer is a copy with ``go_backwards=True``: tinyframe's, which reads the reversed input."""

    directions = ("forward", "backward")

    def to_keras(self, layer: Bidirectional, where: str) -> dict[str, Any]:
        config: dict[str, Any] = {"merge_mode": layer.merge_mode}
        for direction, inner in zip(self.directions, (layer.forward_layer, layer.backward_layer)):
            codec = _RECURRENT[type(inner).__name__]
            body = codec.to_keras(inner, where, backwards=direction == "backward")
            name = f"{direction}_{codec.keras.lower()}"
            spec = keras_object("keras.layers", codec.keras, {"name": name, "dtype": policy(layer.dtype), **body})
            config["layer" if direction == "forward" else "backward_layer"] = spec
        return config

    def from_keras(self, options: Options) -> Bidirectional:
        forward = _inner(options.get("layer"), f"{options.where}.layer", backwards=False)
        backward = options.get("backward_layer", None)  # None: Keras copies the forward layer's config
        if backward is not None:
            backward = _inner(backward, f"{options.where}.backward_layer", backwards=True)
            if type(forward) is type(backward) and forward.get_config() == backward.get_config():
                backward = None  # tinyframe's own copy, as Keras's
        return Bidirectional(forward, options.get("merge_mode", "concat"), backward)

    def slots(self, layer: Bidirectional, config: dict[str, Any]) -> list[tuple[str, list[str]]]:
        return [(f"{d}_layer/cell/vars", [f"{d}_{name}" for name in _WEIGHTS]) for d in self.directions]


def _inner(spec: Any, where: str, backwards: bool) -> Recurrent:
    """The recurrent layer a Bidirectional's ``layer`` or ``backward_layer`` spec describes."""
    name = spec.get("class_name") if isinstance(spec, dict) else None
    if name not in _RECURRENT or not isinstance(spec.get("config"), dict):
        raise ValueError(f"{where} must be a SimpleRNN, GRU or LSTM. Received: {name!r:.100}")
    options = Options(spec["config"], where)
    layer = _RECURRENT[name].from_keras(options, backwards)
    options.done()
    return layer


CODECS = [*_RECURRENT.values(), _Bidirectional("Bidirectional", Bidirectional)]
