"""plot_layer_stats: what a `LayerStats` callback recorded, per layer and epoch."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ._figure import new_figure

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
    saturation panel appears only if the model has Sigmoid or Tanh layers.

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
    figure = new_figure(figsize=(4.8 * cols, 3.4 * rows), layout="constrained")
    for i, (series, label, log) in enumerate(panels):
        ax = figure.add_subplot(rows, cols, i + 1)
        for key, values in series.items():
            ax.plot(epochs, values, marker="." if len(epochs) < 30 else None, label=key)
        if log:
            ax.set_yscale("log")
        ax.set_title(label)
        ax.set_xlabel("epoch")
        ax.legend(fontsize=7)
    if title:
        figure.suptitle(title)
    return figure
