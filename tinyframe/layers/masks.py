"""How masks travel with tensors, as in Keras: padding marked once, honoured by the layers that read sequences.

A *mask* is a boolean array of a tensor's shape without its last axis, ``(m, T)`` for a
sequence ``(m, T, d)``: True at the steps that hold data, False at padding. A layer that
*produces* one (``Embedding(mask_zero=True)``: the steps holding index 0; `Masking`) starts
it; every layer that ``supports_masking`` passes it on through ``compute_mask(inputs, mask)``
(by default unchanged: Dense, activations, Dropout, LayerNormalization; merges combine theirs);
a layer whose ``forward`` has a ``mask`` parameter receives it and honours it
(`MultiHeadAttention` attends to no padded key, `GlobalAveragePooling1D` averages the data
steps only), so that nothing under the mask changes an output or a gradient. A layer that does
not support masking drops the mask with a warning (Keras's rule), and the layers after it see none.

A model pays for this only when one of its layers produces masks; otherwise it runs as before.

>>> import numpy as np
>>> from tinyframe.layers import Dense, Embedding, GlobalAveragePooling1D
>>> embed = Embedding(5, 2, mask_zero=True).build((3,), dtype="float64", rng=0)
>>> x = np.array([[3, 1, 0]])
>>> y, mask = run(embed, x, None, training=False)
>>> mask
array([[ True,  True, False]])
>>> pooled, _ = run(GlobalAveragePooling1D(), y, mask, training=False)
>>> bool(np.allclose(pooled, y[:, :2].mean(axis=1)))
True
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any

import numpy as np


@functools.cache
def _takes_mask(cls: type) -> bool:
    return "mask" in inspect.signature(cls.forward).parameters


def takes_mask(layer: Any) -> bool:
    """Whether ``layer.forward`` has a ``mask`` parameter (it honours masks, not only passes them on)."""
    return _takes_mask(type(layer))


def any_mask(mask: Any) -> bool:
    """Whether ``mask`` (None, an array, or a list of them for a layer of several inputs) holds any mask."""
    if isinstance(mask, list):
        return any(m is not None for m in mask)
    return mask is not None


def run(layer: Any, x: Any, mask: Any, training: bool, options: dict | None = None) -> tuple[Any, Any]:
    """``layer.forward(x)`` given the input's mask (a list for a list of inputs): the output and its mask."""
    options = options or {}
    if not any_mask(mask) and not layer.produces_mask:
        return layer.forward(x, training=training, **options), None
    if takes_mask(layer):
        y = layer.forward(x, training=training, mask=mask, **options)
    else:
        y = layer.forward(x, training=training, **options)
    if layer.supports_masking or layer.produces_mask:
        return y, layer.compute_mask(x, mask)
    dropped(layer)
    return y, None


def run_line(layers: list, x: Any, training: bool, observe: Any = None) -> Any:
    """A line of layers (a `Sequential`) run with its mask passed from each layer to the next."""
    mask = None
    for layer in layers:
        y, mask = run(layer, x, mask, training)
        if observe is not None:
            observe(layer, x, y)
        x = y
    return x


def makes_masks(layers: list) -> bool:
    """Whether one of ``layers`` starts a mask: only then does a model pass masks along."""
    return any(layer.produces_mask for layer in layers)


def dropped(layer: Any) -> None:
    """Keras's warning, once per layer: this layer does not support masking, so the mask stops here."""
    if not layer.__dict__.get("_warned_mask"):
        layer.__dict__["_warned_mask"] = True
        warnings.warn(
            f"Layer {layer.name or type(layer).__name__!r} ({type(layer).__name__}) was passed an input with a mask, "
            "but it does not support masking: the layers after it see no mask",
            UserWarning,
            stacklevel=3,
        )


def either(masks: list[Any]) -> np.ndarray | None:
    """Keras's rule for elementwise merges: None if any input has no mask, else a step is kept if any input keeps it."""
    if not masks or any(m is None for m in masks):
        return None
    out = masks[0]
    for m in masks[1:]:
        out = out | m
    return out


def check(mask: Any, x: np.ndarray, owner: Any) -> np.ndarray:
    """``mask`` as booleans of ``x.shape[:-1]`` (``(m, T)`` for ``(m, T, d)``), or ValueError naming the layer."""
    mask = np.asarray(mask)
    if mask.shape != x.shape[:-1]:
        raise ValueError(
            f"{owner!r}: expected a mask of shape {x.shape[:-1]} for inputs {x.shape}. Received: {mask.shape}"
        )
    return mask if mask.dtype == bool else mask > 0.5
