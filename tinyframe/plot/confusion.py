"""plot_confusion: which classes a classifier takes for which."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._figure import axes_and_figure


def _labels(y: Any, name: str) -> np.ndarray:
    """Integer labels from labels or one-hot rows (the argmax of each row)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    y = y.reshape(-1) if y.ndim == 2 else y
    if y.ndim != 1 or (y.size and (np.any(y < 0) or np.any(y != np.round(y)))):
        raise ValueError(
            f"plot_confusion: {name} must be integer class labels (n,) or one-hot rows (n, classes). "
            f"Received: shape {y.shape}"
        )
    return y.astype(np.int64)


def confusion_counts(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """``C[i, j]``: how many samples of true class ``i`` were predicted as class ``j``.

    Example:
        >>> confusion_counts([0, 1, 1], [0, 0, 1], 2)
        array([[1, 0],
               [1, 1]])
    """
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


def plot_confusion(model: Any, X: Any, y: Any, ax: Any = None, title: str | None = None) -> Any:
    """The confusion matrix of ``model`` on ``(X, y)``: counts in each cell, true class down, predicted across.

    The predicted class is the argmax of each output row (a single sigmoid output:
    class 1 when above 0.5). The cells are shaded by count and annotated with it.

    Args:
        model: a trained classifier (`Sequential`, or anything with ``predict``).
        X: the inputs.
        y: the true classes: integer labels ``(n,)`` or one-hot rows ``(n, classes)``.
        ax: a matplotlib Axes to draw on (default: a new figure).
        title: the Axes' title (default: the accuracy).

    Returns:
        The `matplotlib.figure.Figure` drawn on.

    Example:
        >>> fig = plot_confusion(model, X_test, y_test)          # doctest: +SKIP
    """
    true = _labels(y, "y")
    out = np.asarray(model.predict(X))
    if out.ndim != 2 or out.shape[0] != true.shape[0]:
        raise ValueError(
            f"plot_confusion: expected the model to output (n, classes) for n = {true.shape[0]} samples. "
            f"Received: shape {out.shape}"
        )
    predicted = (out[:, 0] > 0.5).astype(np.int64) if out.shape[1] == 1 else out.argmax(axis=1)
    n_classes = max(out.shape[1], 2, int(true.max(initial=0)) + 1)
    counts = confusion_counts(true, predicted, n_classes)
    ax, figure = axes_and_figure(ax, figsize=(1.0 + 0.5 * n_classes, 0.6 + 0.5 * n_classes), layout="constrained")
    ax.imshow(counts, cmap="Blues")
    high = counts.max(initial=0) / 2
    for i in range(n_classes):
        for j in range(n_classes):
            color = "white" if counts[i, j] > high else "black"
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", color=color, fontsize=8)
    ax.set_xticks(range(n_classes))
    ax.set_yticks(range(n_classes))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(title if title is not None else f"accuracy {accuracy:.1%}")
    return figure
