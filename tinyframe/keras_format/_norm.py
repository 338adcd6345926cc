"""BatchNormalization, LayerNormalization and Normalization: Keras's configs and variables both ways.

Both keep BatchNormalization's variables as ``gamma, beta, moving_mean, moving_variance`` (the
first two only with ``scale`` and ``center``), LayerNormalization's as ``gamma, beta``. Keras
writes an adapted Normalization's statistics as variables ``mean, variance, count`` (the count an
int32) with ``mean: null`` in its config, and statistics given to the constructor in its config
only; tinyframe writes the first form, and reads both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layers import BatchNormalization, LayerNormalization, Normalization
from ._codec import Codec
from ._values import Options, initializer_from_keras, initializer_to_keras

_INITIALIZERS = {"beta": "zeros", "gamma": "ones", "moving_mean": "zeros", "moving_variance": "ones"}


def _initializers_to_keras(layer: Any, names: tuple[str, ...], where: str) -> dict[str, Any]:
    return {
        f"{n}_initializer": initializer_to_keras(getattr(layer, f"{n}_initializer"), _INITIALIZERS[n], where)
        for n in names
    }


def _initializers_from_keras(options: Options, names: tuple[str, ...]) -> dict[str, str]:
    keys = {n: f"{n}_initializer" for n in names}
    return {k: initializer_from_keras(options.get(k, None), _INITIALIZERS[n], options.where) for n, k in keys.items()}


class _BatchNormalization(Codec):
    names = ("beta", "gamma", "moving_mean", "moving_variance")

    def to_keras(self, layer: BatchNormalization, where: str) -> dict[str, Any]:
        settings = {k: getattr(layer, k) for k in ("axis", "momentum", "epsilon", "center", "scale")}
        return {**settings, **_initializers_to_keras(layer, self.names, where)}

    def from_keras(self, options: Options) -> BatchNormalization:
        options.only("synchronized", False)
        options.only("renorm", False)
        options.ignored("renorm_momentum")  # used only with renorm
        settings = {k: options.get(k, d) for k, d in (("axis", -1), ("momentum", 0.99), ("epsilon", 1e-3))}
        flags = {k: options.get(k, True) for k in ("center", "scale")}
        return BatchNormalization(**settings, **flags, **_initializers_from_keras(options, self.names))


class _LayerNormalization(Codec):
    names = ("beta", "gamma")

    def to_keras(self, layer: LayerNormalization, where: str) -> dict[str, Any]:
        axis = layer.axis if isinstance(layer.axis, list) else [layer.axis]
        settings = {"axis": axis, "epsilon": layer.epsilon, "center": layer.center, "scale": layer.scale}
        return {**settings, **_initializers_to_keras(layer, self.names, where)}

    def from_keras(self, options: Options) -> LayerNormalization:
        options.only("rms_scaling", False)
        axis = options.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        flags = {k: options.get(k, True) for k in ("center", "scale")}
        epsilon = options.get("epsilon", 1e-3)
        return LayerNormalization(axis, epsilon, **flags, **_initializers_from_keras(options, self.names))


class _Normalization(Codec):
    int_weights = frozenset({"count"})

    def to_keras(self, layer: Normalization, where: str) -> dict[str, Any]:
        axis = [] if layer.axis is None else [layer.axis]  # Keras's () is tinyframe's None: one statistic
        return {"axis": axis, "invert": layer.invert, "mean": None, "variance": None}

    def from_keras(self, options: Options) -> Normalization:
        axis = options.get("axis", -1)
        if isinstance(axis, list) and len(axis) > 1:
            raise options.refusal("axis", axis, "tinyframe keeps statistics on one axis, or on none")
        axis = (axis[0] if axis else None) if isinstance(axis, list) else axis
        mean, variance = options.get("mean", None), options.get("variance", None)
        return Normalization(axis, mean, variance, invert=options.get("invert", False))

    def slots(self, layer: Normalization, config: dict[str, Any]) -> list[tuple[str, list[str]]]:
        given = config.get("mean") is not None  # the statistics are in the config: no variables
        return [("vars", [] if given else ["mean", "variance", "count"])]

    def loaded(self, name: str, array: Any) -> Any:
        # Keras's adapt leaves its count at 0 and computes with the statistics it holds; tinyframe
        # reads a count of 0 as "not adapted" and refuses to compute, so a loaded layer counts 1 at least.
        return np.maximum(array, 1) if name == "count" else array


CODECS = [
    _BatchNormalization("BatchNormalization", BatchNormalization),
    _LayerNormalization("LayerNormalization", LayerNormalization),
    _Normalization("Normalization", Normalization),
]
