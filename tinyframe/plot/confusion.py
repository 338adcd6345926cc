"""plot_confusion: which classes a classifier takes for which."""

from __future__ import annotations

from collections.abc import Sequence
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


NORMALIZE = (None, "true", "pred", "all")


def normalized(counts: np.ndarray, normalize: str | None) -> np.ndarray:
    """``counts`` as scikit-learn's ``confusion_matrix(..., normalize=...)`` gives them.

    ``"true"``: each row (true class) sums to 1; ``"pred"``: each column (predicted class);
    ``"all"``: the whole matrix; None: the counts. A row or column with no samples stays 0.

    Example:
        >>> normalized(np.array([[3, 1], [0, 0]]), "true").tolist()
        [[0.75, 0.25], [0.0, 0.0]]
    """
    if normalize not in NORMALIZE:
        raise ValueError(f"plot_confusion: normalize must be one of {NORMALIZE}. Received: normalize={normalize!r}")
    if normalize is None:
        return counts
    axis = {"true": 1, "pred": 0, "all": None}[normalize]
    totals = counts.sum(axis=axis, keepdims=axis is not None)
    return np.divide(counts, totals, out=np.zeros(counts.shape), where=np.asarray(totals) > 0)


def draw_matrix(ax: Any, values: np.ndarray, class_names: Sequence[str], fractions: bool) -> None:
    """Shade and annotate a confusion matrix on ``ax``: true class down, predicted across.

    Every confusion matrix tinyframe draws looks the same: a zero cell is left blank (so the
    mistakes stand out), the others carry their count, or their fraction with two decimals.
    """
    ax.imshow(values, cmap="Blues", vmin=0)
    high = values.max(initial=0) / 2
    for (i, j), value in np.ndenumerate(values):
        if value:
            text = f"{value:.2f}" if fractions else str(int(value))
            color = "white" if value > high else "black"
            ax.text(j, i, text, ha="center", va="center", color=color, fontsize=8 if fractions else 9)
    n = len(class_names)
    ax.set_xticks(range(n), labels=class_names, rotation=45 if max(map(len, class_names)) > 2 else 0)
    ax.set_yticks(range(n), labels=class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")


def plot_confusion(
    model: Any,
    X: Any,
    y: Any,
    ax: Any = None,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
    normalize: str | None = None,
) -> Any:
    """The confusion matrix of ``model`` on ``(X, y)``: true class down, predicted across.

    The predicted class is the argmax of each output row (a single sigmoid output:
    class 1 when above 0.5). The cells are shaded by value and annotated with it; a cell
    that is zero is left blank.

    Args:
        model: a trained classifier (`Sequential`, or anything with ``predict``).
        X: the inputs.
        y: the true classes: integer labels ``(n,)`` or one-hot rows ``(n, classes)``.
        ax: a matplotlib Axes to draw on (default: a new figure).
        title: the Axes' title (default: the accuracy).
        class_names: a name per class for the ticks (default: the class numbers).
        normalize: as scikit-learn's ``confusion_matrix``: ``"true"`` (each true class's
            row sums to 1: the recall on the diagonal), ``"pred"`` (each predicted class's
            column sums to 1: the precision), ``"all"`` (the whole matrix), or None (counts).

    Returns:
        The `matplotlib.figure.Figure` drawn on.

    Example:
        >>> fig = plot_confusion(model, X_test, y_test, normalize="true")   # doctest: +SKIP
    """
    normalized(np.zeros((1, 1)), normalize)  # a bad name is refused before the model runs
    true = _labels(y, "y")
    out = np.asarray(model.predict(X))
    if out.ndim != 2 or out.shape[0] != true.shape[0]:
        raise ValueError(
            f"plot_confusion: expected the model to output (n, classes) for n = {true.shape[0]} samples. "
            f"Received: shape {out.shape}"
        )
    predicted = (out[:, 0] > 0.5).astype(np.int64) if out.shape[1] == 1 else out.argmax(axis=1)
    n_classes = max(out.shape[1], 2, int(true.max(initial=0)) + 1)
    names = [str(k) for k in range(n_classes)] if class_names is None else [str(name) for name in class_names]
    if len(names) != n_classes:
        raise ValueError(f"plot_confusion: class_names must name the {n_classes} classes. Received: {len(names)} names")
    counts = confusion_counts(true, predicted, n_classes)
    side = 0.5 if max(map(len, names)) <= 2 else 0.7
    ax, figure = axes_and_figure(ax, figsize=(1.2 + side * n_classes, 0.8 + side * n_classes), layout="constrained")
    draw_matrix(ax, normalized(counts, normalize), names, fractions=normalize is not None)
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(title if title is not None else f"accuracy {accuracy:.1%}")
    return figure
