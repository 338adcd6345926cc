"""The one place `tinyframe.plot` imports matplotlib: when a function draws, never at import."""

from __future__ import annotations

from typing import Any

INSTALL = 'pip install "tinyframe[plot]"'


def new_figure(**kwargs: Any) -> Any:
    """A `matplotlib.figure.Figure` of its own (no pyplot: no global figure list, any backend).

    Raises ImportError saying how to install matplotlib if it is missing.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(f"tinyframe.plot draws with matplotlib, which is not installed: {INSTALL}") from error
    return Figure(**kwargs)


def axes_and_figure(ax: Any, **kwargs: Any) -> tuple[Any, Any]:
    """``(ax, figure)``: the given Axes and its figure, or one Axes on a new figure."""
    if ax is not None:
        return ax, ax.figure
    figure = new_figure(**kwargs)
    return figure.add_subplot(), figure


def epoch_axis(ax: Any) -> None:
    """Label the x axis ``epoch`` and tick it at whole epochs only (no 2.5th epoch)."""
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
