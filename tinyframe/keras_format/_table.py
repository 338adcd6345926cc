"""Every codec, looked up by Keras's class name (reading) or by a tinyframe layer's exact class (writing)."""

from __future__ import annotations

from typing import Any

from . import _activations, _core, _merge, _norm, _recurrent, _resizing, _spatial
from ._codec import Codec

CODECS: list[Codec] = [
    *_core.CODECS,
    *_spatial.CODECS,
    *_resizing.CODECS,
    *_norm.CODECS,
    *_recurrent.CODECS,
    *_merge.CODECS,
    *_activations.CODECS,
]
_BY_KERAS = {codec.keras: codec for codec in CODECS}
_BY_CLASS = {cls: codec for codec in CODECS for cls in codec.tiny}
KERAS_NAMES = sorted(_BY_KERAS)


def for_layer(layer: Any, where: str) -> Codec:
    """The codec that writes ``layer``; a ValueError naming it if Keras's format cannot hold it."""
    codec = _BY_CLASS.get(type(layer))
    if codec is None:
        raise ValueError(
            f"{where} is a {type(layer).__name__}, which Keras's format does not describe (tinyframe writes "
            f"{', '.join(sorted(c.__name__ for c in _BY_CLASS))} in it); use a .npz file for this model"
        )
    return codec


def for_keras(class_name: Any, where: str) -> Codec:
    """The codec that reads Keras's ``class_name``; a ValueError naming it if tinyframe has no such layer."""
    if class_name == "Lambda":
        raise ValueError(f"{where} is a Keras Lambda layer: its function is Python code, which tinyframe never runs")
    codec = _BY_KERAS.get(class_name)
    if codec is None:
        raise ValueError(
            f"{where} is a Keras {class_name!r:.100}, which tinyframe has no counterpart for "
            f"(it reads {', '.join(KERAS_NAMES)})"
        )
    return codec
