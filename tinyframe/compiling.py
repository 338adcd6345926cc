"""What `Model.compile` makes of its arguments: the loss and the metrics, for one output or several.

For a model of several outputs (Keras's rules, named by the outputs' layer names):

* ``loss``: one loss (a name or an instance) for every output, a list with one per output,
  or a dict ``{output: loss}`` naming every output; ``loss_weights`` a list or a dict
  (outputs not named weigh 1). They become one `tinyframe.losses.outputs.OutputLosses`.
* ``metrics``: a dict ``{output: metric or [metrics]}``, or a list of lists (one per output);
  a flat list gives each output every metric (Keras 2's rule; Keras 3 refuses it). Each
  becomes an `OutputMetric` named ``<output>_<metric>``.
"""

from __future__ import annotations

import copy
from typing import Any

from . import losses
from . import metrics as metrics_module
from .losses.outputs import OutputLosses
from .metrics.outputs import OutputMetric


def metric_dict(identifiers: Any, where: str = "compile: metrics") -> dict[str, Any]:
    """``{name: Metric}`` for a list of metric names, instances or callables; names unique and not ``"loss"``."""
    if identifiers is not None and not isinstance(identifiers, (list, tuple)):
        raise TypeError(f"{where} must be a list of names or callables. Received: {identifiers!r}")
    chosen: dict[str, Any] = {}
    for identifier in identifiers or []:
        add_metric(chosen, metrics_module.get(identifier))
    return chosen


def add_metric(chosen: dict[str, Any], metric: Any) -> None:
    if metric.name == "loss" or metric.name in chosen:
        raise ValueError(f"compile: metric names must be unique and not 'loss'. Received: {metric.name!r} twice")
    chosen[metric.name] = metric


def output_losses(loss: Any, loss_weights: Any, names: list[str]) -> OutputLosses:
    """One loss per output (see the module docstring); ValueError naming the outputs for a wrong structure."""
    if loss is None or losses.is_loss(loss):
        each = [losses.SquaredError() if loss is None else _fresh_loss(loss) for _ in names]
    else:
        each = [losses.get(item) for item in _per_output(loss, names, "loss", fill=None)]
    weights = [1.0] * len(names) if loss_weights is None else _per_output(loss_weights, names, "loss_weights", 1.0)
    for name, weight in zip(names, weights):
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
            raise ValueError(f"compile: loss_weights must be non-negative numbers. Received: {weight!r} for {name!r}")
    return OutputLosses(each, weights, names)


def output_metrics(metrics: Any, names: list[str]) -> dict[str, Any]:
    """``{"<output>_<metric>": OutputMetric}`` for every output's metrics (see the module docstring)."""
    if metrics is None:
        return {}
    if isinstance(metrics, dict):
        per_output = _per_output(metrics, names, "metrics", fill=[])
    elif (
        isinstance(metrics, (list, tuple))
        and len(metrics) == len(names)
        and all(m is None or isinstance(m, (list, tuple)) for m in metrics)
    ):
        per_output = list(metrics)
    elif isinstance(metrics, (list, tuple)):
        per_output = [metrics] * len(names)  # every output gets every metric
    else:
        raise TypeError(f"compile: metrics must be a list or a dict by output name. Received: {metrics!r}")
    chosen: dict[str, Any] = {}
    for k, (name, items) in enumerate(zip(names, per_output)):
        items = [] if items is None else items if isinstance(items, (list, tuple)) else [items]
        for identifier in items:
            metric = metrics_module.get(identifier)
            metric = copy.deepcopy(metric) if isinstance(identifier, metrics_module.Metric) else metric
            add_metric(chosen, OutputMetric(metric, k, name))
    return chosen


def _fresh_loss(loss: Any) -> Any:
    """A new loss for each output: a name gives a new instance, an instance is copied (its state is per call)."""
    return copy.deepcopy(loss) if isinstance(loss, losses.Loss) else losses.get(loss)


def _per_output(value: Any, names: list[str], what: str, fill: Any) -> list[Any]:
    """``value`` as a list in output order: a list of one per output, or a dict by output name (others ``fill``)."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown or (fill is None and len(value) != len(names)):
            raise ValueError(
                f"compile: {what} as a dict must be keyed by the model's output names {names}"
                f"{'' if fill is not None else ', every one'}. Received: keys {list(value)}"
            )
        return [value.get(name, fill) for name in names]
    if isinstance(value, (list, tuple)) and len(value) == len(names):
        return list(value)
    got = f"a {type(value).__name__} of {len(value)}" if isinstance(value, (list, tuple)) else repr(value)
    raise ValueError(
        f"compile: the model has {len(names)} outputs {names}: {what} must be a list of {len(names)} or a dict by "
        f"output name. Received: {got}"
    )
