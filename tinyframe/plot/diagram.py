"""plot_model: the layer stack as boxes, with names and output shapes."""

from __future__ import annotations

from typing import Any

from ..layers.shapes import batch_shape
from ..summary import layer_rows
from ._figure import axes_and_figure


def plot_model(model: Any, ax: Any = None, title: str | None = None) -> Any:
    """The layers of a built `Sequential` as a column of boxes, input at the top.

    Each box reads ``name (Class)`` and the output shape (``None`` for the batch) with
    the parameter count, as `Sequential.summary` prints them; arrows show the data's path.

    Args:
        model: a built `Sequential`.
        ax: a matplotlib Axes to draw on (default: a new figure).
        title: the Axes' title (default: the model's name).

    Returns:
        The `matplotlib.figure.Figure` drawn on.

    Example:
        >>> from tinyframe import Sequential
        >>> from tinyframe.layers import Dense
        >>> fig = plot_model(Sequential([Dense(64, 30)]))
        >>> [t.get_text() for t in fig.axes[0].texts]
        ['input (None, 64)', 'dense (Dense)\\n(None, 30), 1,950 params']
    """
    model._require_built("plot_model")
    ax, figure = axes_and_figure(ax, figsize=(3.6, 0.75 * (len(model.layers) + 1) + 0.4), layout="constrained")
    from matplotlib.patches import FancyArrowPatch  # matplotlib is there: axes_and_figure checked

    rows = layer_rows(model)
    n = len(rows) + 1
    box = {"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "0.3"}
    labels = [f"input {batch_shape(model.input_shape)}"]
    labels += [f"{name} ({kind})\n{batch_shape(shape)}, {count:,} params" for _, name, kind, shape, count in rows]
    for k, label in enumerate(labels):
        y = n - 1 - k
        style = box if k else {**box, "facecolor": "0.92"}
        ax.text(0.5, y, label, ha="center", va="center", fontsize=9, bbox=style)
        if k:
            ax.add_patch(FancyArrowPatch((0.5, y + 0.7), (0.5, y + 0.3), arrowstyle="->", color="0.3"))
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, n - 0.4)
    ax.axis("off")
    ax.set_title(title if title is not None else model.name)
    return figure
