"""The layers that pad, crop, repeat or copy values, without weights: Keras's configs both ways."""

from __future__ import annotations

from typing import Any

from ..layers import (
    Cropping1D,
    Cropping2D,
    RepeatVector,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from ..layers.base import Layer
from ._codec import Codec, sizes
from ._values import Options


class _Pairs(Codec):
    """ZeroPadding and Cropping: Keras writes ``[left, right]`` in 1D and ``[[top, bottom], [left, right]]`` in 2D."""

    def __init__(self, keras: str, tiny: type, key: str, data_format: bool = True) -> None:
        super().__init__(keras, tiny)
        self.key = key  # "padding" or "cropping"
        self.data_format = data_format  # whether Keras's class takes one (Cropping1D does not)

    def to_keras(self, layer: Any, where: str) -> dict[str, Any]:
        pairs = [list(pair) for pair in getattr(layer, self.key)]
        config = {self.key: pairs[0] if len(pairs) == 1 else pairs}
        return {**config, "data_format": "channels_last"} if self.data_format else config

    def from_keras(self, options: Options) -> Layer:
        options.only("data_format", "channels_last", None)
        value = options.get(self.key)
        return self.tiny[0]([sizes(v) for v in value] if isinstance(value, list) else value)


class _UpSampling(Codec):
    def to_keras(self, layer: Any, where: str) -> dict[str, Any]:
        if isinstance(layer, UpSampling1D):
            return {"size": layer.size}
        return {"size": list(layer.size), "data_format": "channels_last", "interpolation": "nearest"}

    def from_keras(self, options: Options) -> Layer:
        options.only("data_format", "channels_last", None)
        options.only("interpolation", "nearest")
        return self.tiny[0](sizes(options.get("size", 2)))


class _RepeatVector(Codec):
    def to_keras(self, layer: RepeatVector, where: str) -> dict[str, Any]:
        return {"n": layer.n}

    def from_keras(self, options: Options) -> RepeatVector:
        return RepeatVector(options.get("n"))


CODECS = [
    _Pairs("ZeroPadding1D", ZeroPadding1D, "padding"),
    _Pairs("ZeroPadding2D", ZeroPadding2D, "padding"),
    _Pairs("Cropping1D", Cropping1D, "cropping", data_format=False),
    _Pairs("Cropping2D", Cropping2D, "cropping"),
    _UpSampling("UpSampling1D", UpSampling1D),
    _UpSampling("UpSampling2D", UpSampling2D),
    _RepeatVector("RepeatVector", RepeatVector),
]
