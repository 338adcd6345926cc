"""plot_history: the learning curves of a `fit`."""

from __future__ import annotations

import math
from typing import Any

from ._figure import epoch_axis, new_figure


def _as_dict(history: Any) -> dict[str, list[float]]:
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(
            "plot_history: expected a History (what fit returns) or its .history dict, with at least one key. "
            f"Received: {history!r}"
        )
    return logs


def plot_history(history: Any, title: str | None = None) -> Any:
    """Loss and each metric per epoch: one subplot per quantity, training and validation (``val_``) together.

    Args:
        history: the `History` that ``fit`` returns, or its ``history`` dict
            (``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``).
        title: the figure's title.

    Returns:
        A `matplotlib.figure.Figure`; the x axis counts epochs from 1.

    Example:
        >>> fig = plot_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
        >>> [ax.get_title() for ax in fig.axes]
        ['loss']
    """
    logs = _as_dict(history)
    names = [k for k in logs if not k.startswith("val_")]
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs]  # only validation logged
    cols = min(len(names), 3)
    rows = math.ceil(len(names) / cols)
    figure = new_figure(figsize=(4.5 * cols, 3.2 * rows), layout="constrained")
    for i, name in enumerate(names):
        ax = figure.add_subplot(rows, cols, i + 1)
        for key, label in ((name, "training"), ("val_" + name, "validation")):
            if key in logs:
                values = [float(v) for v in logs[key]]
                ax.plot(range(1, len(values) + 1), values, marker="." if len(values) < 30 else None, label=label)
        ax.set_title(name)
        epoch_axis(ax)
        ax.set_ylabel(name)
        ax.legend()
    if title:
        figure.suptitle(title)
    return figure
