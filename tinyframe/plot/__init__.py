"""Pictures of training and of the model, with matplotlib (an optional extra: ``pip install "tinyframe[plot]"``).

Every function returns a `matplotlib.figure.Figure` made without pyplot (no global
state, any backend): save it with ``fig.savefig("name.png")``, or show it in a
notebook by leaving it as a cell's value. matplotlib is imported only when a
function draws, so ``import tinyframe.plot`` works without it.

>>> from tinyframe.plot import plot_history
>>> fig = plot_history({"loss": [0.9, 0.4, 0.3]})
>>> fig.axes[0].lines[0].get_ydata().tolist()
[0.9, 0.4, 0.3]
"""

from .confusion import confusion_counts, plot_confusion
from .diagram import plot_model
from .history import plot_history
from .layer_stats import plot_layer_stats
from .weights import plot_weights

__all__ = ["plot_history", "plot_confusion", "confusion_counts", "plot_weights", "plot_model", "plot_layer_stats"]
