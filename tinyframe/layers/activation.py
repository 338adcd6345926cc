"""Activation(name): Keras's layer that applies an activation given by name."""

from __future__ import annotations

from typing import Any

from .. import activations


def Activation(activation: Any, name: str | None = None) -> activations.Activation:  # noqa: N802 (Keras's spelling)
    """The activation layer for ``activation``, as Keras's ``layers.Activation("relu")``.

    It returns the layer of that activation's own class (``Activation("relu")`` is a
    `tinyframe.activations.ReLU`), which is what `summary` shows and saving names;
    ``"linear"`` or None gives `Identity`. Names are those of `tinyframe.activations.get`.

    Example:
        >>> Activation("relu"), Activation("linear")
        (ReLU(), Identity())
    """
    layer = activations.get(activation)
    layer = activations.Identity() if layer is None else layer
    if name is not None:
        layer.name = name
    return layer
