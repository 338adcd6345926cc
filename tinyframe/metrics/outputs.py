"""OutputMetric: a metric of one output of a model with several outputs, named ``<output>_<metric>`` (Keras's)."""

from __future__ import annotations

from typing import Any

from .base import Metric


class OutputMetric(Metric):
    """``metric`` applied to output ``index`` only: `update_state` takes the lists of targets and predictions.

    `Model.compile` makes one for each entry of ``metrics={output: [...]}`` (or of a list of
    lists, one per output); its name is ``f"{output}_{metric.name}"``, the key `fit`'s History uses.

    Example:
        >>> import numpy as np
        >>> from tinyframe.metrics import get
        >>> m = OutputMetric(get("mae"), 1, "b")
        >>> m.update_state([np.zeros((2, 1)), np.zeros((2, 1))], [np.ones((2, 1)), np.full((2, 1), 3.0)])
        >>> m.name, m.result()
        ('b_mae', 3.0)
    """

    def __init__(self, metric: Metric, index: int, output: str) -> None:
        self.metric, self.index, self.output = metric, index, output
        super().__init__(f"{output}_{metric.name}")

    def reset_state(self) -> None:
        self.metric.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        self.metric.update_state(y_true[self.index], y_pred[self.index], sample_weight=sample_weight)

    def result(self) -> float:
        return self.metric.result()

    def get_config(self) -> dict[str, Any]:
        return {"output": self.output, "metric": self.metric.get_config()}

    def __repr__(self) -> str:
        return f"OutputMetric({self.metric!r}, output={self.output!r})"
