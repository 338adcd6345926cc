"""The compile settings and optimizer state in a saved file, for `tinyframe.saving`.

Saved: the loss and the optimizer as ``{"class_name", "config"}``, the optimizer's
``iterations``, the names of its state slots per parameter index (the arrays go
into the file as ``optimizer/<index>/<slot>``), and the built-in metric names.
That, with the weights and the Generator state, is everything a step depends on,
so `fit(..., initial_epoch=k)` continues bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _config
from . import metrics as metrics_module


def optimizer_params(model: Any) -> list[np.ndarray]:
    """The arrays `fit` hands to ``optimizer.step``, whose indices key the optimizer's state.

    `fit` updates all parameters at once through the model's flat parameter vector,
    so a per-parameter slot (Momentum's velocity) is one array of that vector's shape.
    """
    return [model.flat.params]


def describe(model: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(spec, arrays)``: the JSON part and the state arrays by name."""
    optimizer, arrays, params = model.optimizer, {}, optimizer_params(model)
    for index, slots in sorted(optimizer.state.items()):
        for slot, value in slots.items():
            param = params[index] if isinstance(index, int) and 0 <= index < len(params) else None
            if param is None or value.shape != param.shape or value.dtype != param.dtype:
                raise ValueError(
                    f"save: optimizer state {index}/{slot!r} must be shaped like the parameter array that fit "
                    f"hands to the optimizer (a slot made by Optimizer.slot). Received: {value!r:.100}"
                )
            arrays[f"optimizer/{index}/{slot}"] = value
    spec = {
        "loss": _config.to_spec(model.loss, "the loss"),
        "optimizer": {
            **_config.to_spec(optimizer, "the optimizer"),
            "iterations": int(optimizer.iterations),
            "state": {str(i): sorted(slots) for i, slots in sorted(optimizer.state.items())},
        },
        "metrics": _config.metric_names(model.metrics),
    }
    return spec, arrays


def read(spec: Any) -> tuple[Any, Any, list[str]]:
    """``(loss, optimizer, metric names)`` from the file's ``compile`` entry; ``iterations`` is set."""
    spec = _config.expect(spec, dict, "config.compile")
    loss = _config.from_spec(spec.get("loss"), "loss", "compile.loss")
    optimizer = _config.from_spec(spec.get("optimizer"), "optimizer", "compile.optimizer")
    iterations = _config.field(spec["optimizer"], "iterations", int, "compile.optimizer")
    if iterations < 0:
        raise ValueError(f"malformed configuration: compile.optimizer.iterations must be >= 0. Received: {iterations}")
    optimizer.iterations = iterations
    metrics = _config.field(spec, "metrics", list, "compile")
    if not all(isinstance(m, str) for m in metrics):
        raise ValueError(f"malformed configuration: compile.metrics must be a list of names. Received: {metrics}")
    for name in metrics:
        metrics_module.get(name)  # a ValueError for a name that is not a built-in metric
    return loss, optimizer, metrics


def slot_names(spec: Any, model: Any) -> dict[str, tuple[int, str]]:
    """``{"optimizer/<index>/<slot>": (index, slot)}`` as the ``compile`` entry lists them ({} if None)."""
    if spec is None:
        return {}
    state = _config.field(_config.field(spec, "optimizer", dict, "compile"), "state", dict, "compile.optimizer")
    names, count = {}, len(optimizer_params(model))
    for key, slots in state.items():
        if not (key.isascii() and key.isdigit()) or int(key) >= count:
            raise ValueError(
                f"malformed configuration: optimizer state for parameter {key!r}; "
                f"the optimizer updates parameters 0 to {count - 1}"
            )
        if not isinstance(slots, list) or not all(isinstance(s, str) for s in slots):
            raise ValueError(f"malformed configuration: optimizer state {key} must list slot names. Received: {slots}")
        names.update({f"optimizer/{int(key)}/{slot}": (int(key), slot) for slot in slots})
    return names
