"""Dense, Embedding and the layers without weights that reshape, rescale or drop: Keras's configs both ways."""

from __future__ import annotations

from typing import Any

from ..layers import Dense, Dropout, Embedding, Flatten, GaussianNoise, Rescaling, Reshape
from ._activations import activation_name, in_layer
from ._codec import Codec, sizes
from ._values import (
    Options,
    initializer_from_keras,
    initializer_to_keras,
    regularizer_from_keras,
    regularizer_to_keras,
)


class _Dense(Codec):
    """Keras's kernel ``(in, units)`` and bias are tinyframe's ``W`` and ``b``, in that order."""

    def to_keras(self, layer: Dense, where: str) -> dict[str, Any]:
        return {
            "units": layer.units,
            "activation": activation_name(layer.activation, where),
            "use_bias": layer.use_bias,
            "kernel_initializer": initializer_to_keras(layer.kernel_initializer, "glorot_uniform", where),
            "bias_initializer": initializer_to_keras(layer.bias_initializer, "zeros", where),
            "kernel_regularizer": regularizer_to_keras(layer.kernel_regularizer),
            "bias_regularizer": regularizer_to_keras(layer.bias_regularizer),
            "kernel_constraint": None,
            "bias_constraint": None,
        }

    def from_keras(self, options: Options) -> Dense:
        get, where = options.get, options.where
        return Dense(
            units=get("units"),
            activation=in_layer(get("activation", "linear"), where),
            use_bias=get("use_bias", True),
            kernel_initializer=initializer_from_keras(get("kernel_initializer", None), "glorot_uniform", where),
            bias_initializer=initializer_from_keras(get("bias_initializer", None), "zeros", where),
            kernel_regularizer=regularizer_from_keras(get("kernel_regularizer", None), where),
            bias_regularizer=regularizer_from_keras(get("bias_regularizer", None), where),
        )


class _Embedding(Codec):
    def to_keras(self, layer: Embedding, where: str) -> dict[str, Any]:
        init = initializer_to_keras(layer.embeddings_initializer, "uniform", where)
        return {"input_dim": layer.input_dim, "output_dim": layer.output_dim, "embeddings_initializer": init}

    def from_keras(self, options: Options) -> Embedding:
        options.only("mask_zero", False)
        init = initializer_from_keras(options.get("embeddings_initializer", None), "uniform", options.where)
        return Embedding(options.get("input_dim"), options.get("output_dim"), embeddings_initializer=init)


class _Flatten(Codec):
    def to_keras(self, layer: Flatten, where: str) -> dict[str, Any]:
        return {"data_format": "channels_last"}

    def from_keras(self, options: Options) -> Flatten:
        options.only("data_format", "channels_last", None)  # channels_first would reorder the values first
        return Flatten()


class _Reshape(Codec):
    def to_keras(self, layer: Reshape, where: str) -> dict[str, Any]:
        return {"target_shape": list(layer.target_shape)}

    def from_keras(self, options: Options) -> Reshape:
        return Reshape(sizes(options.get("target_shape")))


class _Dropout(Codec):
    def to_keras(self, layer: Dropout, where: str) -> dict[str, Any]:
        return {"rate": layer.rate, "seed": None, "noise_shape": None}

    def from_keras(self, options: Options) -> Dropout:
        options.ignored("seed")  # the model's Generator draws tinyframe's masks
        return Dropout(options.get("rate"))


class _GaussianNoise(Codec):
    def to_keras(self, layer: GaussianNoise, where: str) -> dict[str, Any]:
        return {"stddev": layer.stddev, "seed": None}

    def from_keras(self, options: Options) -> GaussianNoise:
        options.ignored("seed")
        return GaussianNoise(options.get("stddev"))


class _Rescaling(Codec):
    def to_keras(self, layer: Rescaling, where: str) -> dict[str, Any]:
        return {"scale": layer.scale, "offset": layer.offset}

    def from_keras(self, options: Options) -> Rescaling:
        return Rescaling(options.get("scale"), options.get("offset", 0.0))


CODECS = [
    _Dense("Dense", Dense),
    _Embedding("Embedding", Embedding),
    _Flatten("Flatten", Flatten),
    _Reshape("Reshape", Reshape),
    _Dropout("Dropout", Dropout),
    _GaussianNoise("GaussianNoise", GaussianNoise),
    _Rescaling("Rescaling", Rescaling),
]
