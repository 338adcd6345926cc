"""plot_layer_stats: what a `LayerStats` callback recorded, per layer and epoch."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ._figure import epoch_axis, new_figure

# Up to this many lines in every panel, each panel names its lines in a legend; beyond (in any
# panel), every panel colours its lines by depth (first layer dark, last light) beside a colour
# bar naming the first and the last: one look for the whole figure.
LEGEND_LINES = 8

# (attribute of LayerStats, subplot title, log scale)
PANELS = (
    ("grad_norm", "gradient norm ||dJ/dw||", True),
    ("update_ratio", "update / weight ||dw|| / ||w||", True),
    ("activation_mean", "activation mean", False),
    ("activation_std", "activation standard deviation", False),
    ("saturation", "saturated fraction", False),
)


def plot_layer_stats(stats: Any, params: Sequence[str] | None = None, title: str | None = None) -> Any:
    """One subplot per quantity a `tinyframe.callbacks.LayerStats` recorded, one line per layer, against epochs.

    Gradient norms and update ratios are drawn on a log scale (they span orders of
    magnitude across depth: a vanishing gradient is a fan of lines far apart). The
    saturation panel appears only if the model has Sigmoid or Tanh layers. Panels of up
    to 8 lines name them in a legend beside each; when a panel has more, the lines of
    every panel are coloured by depth (first layer dark, last light) and a colour bar
    beside each panel names its first and last.

    Args:
        stats: a `LayerStats` after ``fit``.
        params: the parameter names to draw in the gradient and update panels, e.g.
            ``["W"]`` for the weight matrices only (default: every parameter).
        title: the figure's title.

    Returns:
        A `matplotlib.figure.Figure`; the x axis counts epochs from 1.

    Example:
        >>> fig = plot_layer_stats(stats, params=["W"])        # doctest: +SKIP
    """
    if not hasattr(stats, "grad_norm") or not getattr(stats, "epochs", None):
        raise ValueError(f"plot_layer_stats: expected a LayerStats that has recorded an epoch. Received: {stats!r}")
    epochs = [e + 1 for e in stats.epochs]
    panels = []
    for attribute, label, log in PANELS:
        series = getattr(stats, attribute)
        if attribute in ("grad_norm", "update_ratio") and params is not None:
            series = {k: v for k, v in series.items() if k.rsplit("/", 1)[-1] in params}
        if series:
            panels.append((series, label, log))
    cols = min(len(panels), 3)
    rows = math.ceil(len(panels) / cols)
    figure = new_figure(figsize=(5.8 * cols, 3.4 * rows), layout="constrained")
    by_depth = max(len(series) for series, _, _ in panels) > LEGEND_LINES
    for i, (series, label, log) in enumerate(panels):
        ax = figure.add_subplot(rows, cols, i + 1)
        draw_series(figure, ax, epochs, series, by_depth)
        if log:
            ax.set_yscale("log")
        ax.set_title(label)
        epoch_axis(ax)
    if title:
        figure.suptitle(title)
    return figure


def draw_series(figure: Any, ax: Any, epochs: list[int], series: dict[str, Sequence[float]], by_depth: bool) -> None:
    """One line per layer: named in a legend outside the Axes, or coloured by depth with a colour bar."""
    marker = "." if len(epochs) < 30 else None
    if not by_depth:
        for key, values in series.items():
            ax.plot(epochs, values, marker=marker, label=key)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
        return
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    depth = Normalize(1, max(len(series), 2))
    colors = colormaps["viridis"]
    for k, (key, values) in enumerate(series.items(), start=1):
        ax.plot(epochs, values, marker=marker, label=key, color=colors(depth(k)))
    bar = figure.colorbar(ScalarMappable(depth, colors), ax=ax, pad=0.02)
    names = list(series)
    bar.set_ticks([1, len(names)], labels=[f"{names[0]} (first)", f"{names[-1]} (last)"], fontsize=7)
    bar.set_label("layer, by depth", fontsize=8)
