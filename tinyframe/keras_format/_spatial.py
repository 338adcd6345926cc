"""Convolution and pooling (channels last, as both keep images): Keras's configs both ways."""

from __future__ import annotations

from typing import Any

from ..layers import (
    AveragePooling1D,
    AveragePooling2D,
    Conv1D,
    Conv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from ..layers.base import Layer
from ._activations import activation_name, in_layer
from ._codec import Codec, sizes
from ._values import Options, initializer_from_keras, initializer_to_keras


class _Conv(Codec):
    """Keras's kernel ``(*kernel_size, channels, filters)`` and bias are tinyframe's ``W`` and ``b``."""

    def to_keras(self, layer: Any, where: str) -> dict[str, Any]:
        return {
            "filters": layer.filters,
            "kernel_size": list(layer.kernel_size),
            "strides": list(layer.strides),
            "padding": layer.padding,
            "data_format": "channels_last",
            "dilation_rate": list(layer.dilation_rate),
            "groups": 1,
            "activation": activation_name(layer.activation, where),
            "use_bias": layer.use_bias,
            "kernel_initializer": initializer_to_keras(layer.kernel_initializer, "glorot_uniform", where),
            "bias_initializer": initializer_to_keras(layer.bias_initializer, "zeros", where),
        }

    def from_keras(self, options: Options) -> Layer:
        get, where = options.get, options.where
        options.only("groups", 1)
        return self.tiny[0](
            get("filters"),
            sizes(get("kernel_size")),
            strides=sizes(get("strides", 1)),
            padding=get("padding", "valid"),
            dilation_rate=sizes(get("dilation_rate", 1)),
            activation=in_layer(get("activation", "linear"), where),
            use_bias=get("use_bias", True),
            kernel_initializer=initializer_from_keras(get("kernel_initializer", None), "glorot_uniform", where),
            bias_initializer=initializer_from_keras(get("bias_initializer", None), "zeros", where),
            data_format=get("data_format", None),
        )


class _Pooling(Codec):
    def to_keras(self, layer: Any, where: str) -> dict[str, Any]:
        strides = list(layer.strides)
        return {"pool_size": list(layer.pool_size), "padding": layer.padding, "strides": strides, **_LAST}

    def from_keras(self, options: Options) -> Layer:
        get = options.get
        return self.tiny[0](
            sizes(get("pool_size", 2)),
            strides=sizes(get("strides", None)),
            padding=get("padding", "valid"),
            data_format=get("data_format", None),
        )


class _GlobalPooling(Codec):
    def to_keras(self, layer: Any, where: str) -> dict[str, Any]:
        return {"keepdims": layer.keepdims, **_LAST}

    def from_keras(self, options: Options) -> Layer:
        return self.tiny[0](data_format=options.get("data_format", None), keepdims=options.get("keepdims", False))


_LAST = {"data_format": "channels_last"}

CODECS = [
    _Conv("Conv1D", Conv1D),
    _Conv("Conv2D", Conv2D),
    *(_Pooling(c.__name__, c) for c in (MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D)),
    *(
        _GlobalPooling(c.__name__, c)
        for c in (GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D)
    ),
]
