"""The merge layers: one node joins a list of tensors. Only Concatenate and Dot have options."""

from __future__ import annotations

from typing import Any

from ..layers import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract
from ._codec import Codec, sizes
from ._values import Options


class _Concatenate(Codec):
    def to_keras(self, layer: Concatenate, where: str) -> dict[str, Any]:
        return {"axis": layer.axis}

    def from_keras(self, options: Options) -> Concatenate:
        return Concatenate(axis=options.get("axis", -1))


class _Dot(Codec):
    def to_keras(self, layer: Dot, where: str) -> dict[str, Any]:
        return {"axes": layer.axes, "normalize": layer.normalize}

    def from_keras(self, options: Options) -> Dot:
        return Dot(sizes(options.get("axes")), normalize=options.get("normalize", False))


CODECS = [
    *(Codec(c.__name__, c) for c in (Add, Subtract, Multiply, Average, Maximum, Minimum)),
    _Concatenate("Concatenate", Concatenate),
    _Dot("Dot", Dot),
]
