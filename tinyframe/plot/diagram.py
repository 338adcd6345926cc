"""plot_model: the layer stack as boxes, with names and output shapes."""

from __future__ import annotations

from typing import Any

from ..layers.shapes import batch_shape
from ..summary import layer_rows
from ._figure import axes_and_figure


def plot_model(model: Any, ax: Any = None, title: str | None = None) -> Any:
    """The layers of a built model as a column of boxes, input at the top; arrows show the data's path.

    Each box reads ``name (Class)`` and the output shape (``None`` for the batch) with
    the parameter count, as ``summary`` prints them. A functional `Model`'s layers are in
    call order (its inputs first, shaded); an arrow goes from each layer to each layer it
    feeds, straight down to the next box, as an arc on the right past the boxes between
    (a skip connection).

    Args:
        model: a built `Sequential` or functional `Model`.
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
    rows = layer_rows(model)
    graph = getattr(model, "_graph", None)
    if graph is None:  # a line: the input, then each layer, each fed by the one above
        labels = [f"input {batch_shape(model.input_shape)}"]
        edges = [(k - 1, k) for k in range(1, len(rows) + 1)]
        shaded = {0}
    else:  # a graph: the layers in call order (inputs first), an arrow from each layer to each that it feeds
        labels, index = [], {id(layer): k for k, layer in enumerate(model.layers)}
        edges = sorted(
            {(index[id(t.node.layer)], index[id(node.layer)]) for node in graph.nodes for t in node.inputs if t.node}
        )  # a weight or a constant a call uses comes from no layer
        shaded = set(range(len(graph.inputs)))
    labels += [f"{name} ({kind})\n{batch_shape(shape)}, {count:,} params" for _, name, kind, shape, count in rows]
    if graph is not None:
        labels = [f"{name} (InputLayer)\n{batch_shape(shape)}" if k in shaded else label
                  for k, (label, (_, name, _, shape, _)) in enumerate(zip(labels, rows))]  # fmt: skip
    n = len(labels)
    ax, figure = axes_and_figure(ax, figsize=(3.6, 0.75 * n + 0.4), layout="constrained")
    from matplotlib.patches import FancyArrowPatch  # matplotlib is there: axes_and_figure checked

    box = {"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "0.3"}
    for k, label in enumerate(labels):
        style = {**box, "facecolor": "0.92"} if k in shaded else box
        ax.text(0.5, n - 1 - k, label, ha="center", va="center", fontsize=9, bbox=style)
    for source, target in edges:
        top, bottom = n - 1 - source, n - 1 - target
        if target == source + 1:  # the next box: straight down
            arrow = FancyArrowPatch(
                (0.5, top - 0.3), (0.5, bottom + 0.3), arrowstyle="->", mutation_scale=10, color="0.3"
            )
        else:  # a skip over boxes between: an arc on the right
            arrow = FancyArrowPatch(
                (0.76, top), (0.76, bottom), arrowstyle="->", mutation_scale=10, color="0.3",
                connectionstyle="arc3,rad=-0.35",
            )  # fmt: skip
        ax.add_patch(arrow)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, n - 0.4)
    ax.axis("off")
    ax.set_title(title if title is not None else model.name)
    return figure
