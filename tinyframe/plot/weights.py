"""plot_weights: what each unit of a Dense layer looks for, drawn as an image."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._figure import new_figure


def _image_shape(n_inputs: int, image_shape: Sequence[int] | None, what: str) -> tuple[int, ...]:
    if image_shape is None:
        side = math.isqrt(n_inputs)
        if side * side != n_inputs:
            raise ValueError(
                f"plot_weights: {what} has {n_inputs} inputs, not a square number, so the image shape is unknown; "
                "give image_shape=(height, width)"
            )
        return (side, side)
    shape = tuple(int(d) for d in image_shape)
    if len(shape) not in (2, 3) or math.prod(shape) != n_inputs:
        raise ValueError(
            f"plot_weights: image_shape must be (height, width) or (height, width, 3) with {n_inputs} elements "
            f"(the inputs of {what}). Received: image_shape={image_shape!r}"
        )
    return shape


def plot_weights(
    layer: Any,
    image_shape: Sequence[int] | None = None,
    units: Sequence[int] | None = None,
    cols: int = 10,
    title: str | None = None,
) -> Any:
    """A Dense layer's weights as images: for each output unit ``j``, ``W[:, j]`` reshaped to the input image.

    With the article's 8x8 digits, ``Dense(64, 30)`` gives 30 images of 8x8: the pattern
    of pixels each hidden unit responds to (red positive, blue negative, on one scale
    symmetric about zero for all units, which the colour bar beside them shows).

    Args:
        layer: a built `Dense` layer (``W`` of shape ``(inputs, units)``).
        image_shape: the shape of one input image; by default a square, ``sqrt(inputs)``
            on a side (ValueError if the inputs are not a square number).
        units: which output units to draw (default: all).
        cols: images per row.
        title: the figure's title (default: the layer's name and what is drawn).

    Returns:
        A `matplotlib.figure.Figure` with one Axes (titled ``unit j``) per drawn unit, and
        the colour bar's Axes last.

    Example:
        >>> from tinyframe.layers import Dense
        >>> fig = plot_weights(Dense(64, 3).build(rng=0))
        >>> fig.axes[0].images[0].get_array().shape
        (8, 8)
    """
    W = getattr(layer, "params", {}).get("W") if isinstance(getattr(layer, "params", None), dict) else None
    if W is None or W.ndim != 2:
        raise ValueError(
            "plot_weights: expected a built Dense layer (a weight matrix W of shape (inputs, units)). "
            f"Received: {layer!r}"
        )
    shape = _image_shape(W.shape[0], image_shape, repr(layer))
    units = list(range(W.shape[1])) if units is None else [int(j) for j in units]
    if not units or any(not 0 <= j < W.shape[1] for j in units):
        raise ValueError(f"plot_weights: units must be indices in [0, {W.shape[1]}). Received: units={units!r}")
    cols = max(1, min(int(cols), len(units)))
    rows = math.ceil(len(units) / cols)
    figure = new_figure(figsize=(1.2 * cols + 0.8, 1.3 * rows + 0.4), layout="constrained")
    limit = float(np.abs(W[:, units]).max()) or 1.0
    for k, j in enumerate(units):
        ax = figure.add_subplot(rows, cols, k + 1)
        image = ax.imshow(W[:, j].reshape(shape), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"unit {j}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    figure.colorbar(image, ax=figure.axes, shrink=0.9, aspect=30, pad=0.02).set_label("weight", fontsize=8)
    name = getattr(layer, "name", None) or type(layer).__name__
    figure.suptitle(title if title is not None else f"{name}: the weights into each unit, as an image of its inputs")
    return figure
