"""The compile settings and optimizer state in a saved file, for `tinyframe.saving`.

Saved: the loss and the optimizer as ``{"class_name", "config"}``, the optimizer's
``iterations``, the names of its state slots (the arrays go into the file as
``optimizer/0/<slot>``, one flat array over every parameter in ``get_weights``
order, the slot's initial value for a parameter without state), and the built-in
metrics (by name, or as ``{"class_name", "config"}`` with other settings or names).
A learning-rate schedule is part of the optimizer's config (a built-in one only).
That, with the weights and the Generator state, is everything a step depends on,
so `fit(..., initial_epoch=k)` continues bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _config
from . import metrics as metrics_module
from .losses.outputs import OutputLosses
from .metrics.outputs import OutputMetric
from .optimizers import schedules


def _all_key(model: Any) -> tuple[int, ...]:
    """The key of a run over every parameter: how the file stores the state, one flat array per slot."""
    return tuple(range(len(model.params)))


def per_parameter(state: dict[Any, dict[str, np.ndarray]], sizes: list[int], where: str) -> dict[int, dict]:
    """The optimizer's state split by parameter: ``{index: {slot: 1-D view}}``.

    A key is the tuple of parameter indices of a run (`tinyframe._params.Run`); each of
    its slots is a 1-D array of the run's size, which this cuts at the parameters' sizes.
    """
    pieces: dict[int, dict[str, np.ndarray]] = {}
    for key, slots in state.items():
        valid = isinstance(key, tuple) and all(isinstance(i, int) and 0 <= i < len(sizes) for i in key)
        size = sum(sizes[i] for i in key) if valid else -1
        for slot, value in slots.items():
            if not valid or not isinstance(value, np.ndarray) or value.shape != (size,):
                raise ValueError(
                    f"{where}: optimizer state {key}/{slot!r} must be shaped like the parameters that fit hands to "
                    f"the optimizer (a slot made by Optimizer.slot for a run of parameters). Received: {value!r:.100}"
                )
            offset = 0
            for i in key:
                pieces.setdefault(i, {})[slot] = value[offset : offset + sizes[i]]
                offset += sizes[i]
    return pieces


def align_state(optimizer: Any, runs: list[Any], sizes: list[int]) -> None:
    """Re-key the optimizer's state to the current runs (start of fit), keeping each parameter's values.

    Nothing to do in the usual case (the same runs as last time). After a layer was
    frozen or unfrozen, or a file was loaded, each run's state is put together from
    its parameters' pieces (for a parameter without any yet, the slot's initial value,
    as ``slot`` would start it); the state of a parameter in no run (a frozen one) is
    kept under ``(i,)``.

    State under an int key ``i`` whose slots have parameter ``i``'s size is left as it
    is: ``Optimizer.step(model.params, model.grads)`` keys by list index, so it belongs
    to a custom ``train_step`` that calls ``step``, which looks it up there again.
    """
    keys = {run.key for run in runs}
    stepped = {key: slots for key, slots in optimizer.state.items() if _stepped(key, slots, sizes)}
    if all(key in keys or key in stepped for key in optimizer.state):
        return
    pieces = per_parameter({k: v for k, v in optimizer.state.items() if k not in stepped}, sizes, "fit")
    state: dict[Any, dict[str, np.ndarray]] = {}
    for run in runs:
        names = sorted({name for i in run.key for name in pieces.get(i, {})})
        if names:
            dtype = run.params.dtype
            state[run.key] = {
                name: np.concatenate([_piece(optimizer, pieces, i, name, sizes[i], dtype) for i in run.key])
                for name in names
            }
    in_runs = {i for run in runs for i in run.key}
    state.update({(i,): {k: v.copy() for k, v in slots.items()} for i, slots in pieces.items() if i not in in_runs})
    optimizer.state = {**state, **stepped}


def _stepped(key: Any, slots: dict[str, Any], sizes: list[int]) -> bool:
    """Whether ``key``'s state is what ``Optimizer.step`` made for parameter ``key`` (an int index)."""
    if not isinstance(key, int) or isinstance(key, bool) or not 0 <= key < len(sizes):
        return False
    return all(isinstance(value, np.ndarray) and value.size == sizes[key] for value in slots.values())


def _piece(optimizer: Any, pieces: dict[int, dict], i: int, name: str, size: int, dtype: Any) -> np.ndarray:
    """Parameter ``i``'s part of slot ``name``: its own, or the slot's initial value if it has none yet."""
    piece = pieces.get(i, {}).get(name)
    return np.full(size, optimizer.initial_slot_value(name), dtype) if piece is None else piece


def describe(model: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(spec, arrays)``: the JSON part and the state arrays by name (one flat array over every parameter per slot)."""
    optimizer, arrays = model.optimizer, {}
    sizes = [p.size for p in model.params]
    pieces = per_parameter(optimizer.state, sizes, "save")
    names = sorted({name for slots in pieces.values() for name in slots})
    for name in names:
        parts = [_piece(optimizer, pieces, i, name, size, model.dtype) for i, size in enumerate(sizes)]
        if any(part.dtype != model.dtype for part in parts):
            raise ValueError(f"save: optimizer state {name!r} must have the model's dtype {model.dtype}")
        arrays[f"optimizer/0/{name}"] = np.concatenate(parts)
    _check_schedule(optimizer)
    spec = {
        "loss": _loss_spec(model.loss),
        "optimizer": {
            **_config.to_spec(optimizer, "the optimizer"),
            "iterations": int(optimizer.iterations),
            "state": {"0": names} if names else {},
        },
        "metrics": _metric_specs(model.metrics),
    }
    return spec, arrays


def _loss_spec(loss: Any) -> dict[str, Any]:
    """The loss as ``{"class_name", "config"}``; for several outputs, ``{"outputs": {name: spec}, "loss_weights"}``."""
    from .losses.function import FunctionLoss

    if isinstance(loss, FunctionLoss):
        raise TypeError(
            f"save: the loss is the Python function {loss.name!r}, which a file cannot hold; save with "
            "include_optimizer=False (the architecture and the weights), and compile again after loading"
        )
    if not isinstance(loss, OutputLosses):
        return _config.to_spec(loss, "the loss")
    return {
        "outputs": {
            name: _config.to_spec(each, f"the loss of output {name!r}") for name, each in zip(loss.names, loss.losses)
        },
        "loss_weights": dict(zip(loss.names, loss.weights)),
    }


def _metric_specs(metrics: dict[str, Any]) -> list | dict[str, list]:
    """The built-in metrics (names or specs, `_config.metric_specs`); for several outputs, ``{output: [...]}``."""
    if not any(isinstance(m, OutputMetric) for m in metrics.values()):
        return _config.metric_specs(metrics)
    per_output: dict[str, dict[str, Any]] = {}
    for m in metrics.values():
        per_output.setdefault(m.output, {})[m.metric.name] = m.metric
    return {output: _config.metric_specs(found) for output, found in per_output.items()}


def _check_schedule(optimizer: Any) -> None:
    """ValueError unless the optimizer's learning-rate schedule, if any, is one a file can name (a built-in one)."""
    rate = optimizer.get_config().get("learning_rate")
    if isinstance(rate, dict):
        try:
            schedules.deserialize(rate)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"save: the optimizer's learning_rate schedule cannot be saved: {error}. A file names classes but "
                "holds no code; save with include_optimizer=False, or use a built-in schedule"
            ) from None


def set_state(model: Any, slots: dict[str, np.ndarray]) -> None:
    """Give the freshly compiled optimizer the state read from a file (flat over every parameter)."""
    if slots:
        model.optimizer.state = {_all_key(model): slots}


def read(spec: Any) -> tuple[Any, Any, Any, Any]:
    """``(loss, optimizer, metrics, loss weights)`` from the file's ``compile`` entry: `Model.compile`'s
    arguments (a dict by output name for several outputs); ``iterations`` is set. The metrics are
    names, or `Metric` objects for the ``{"class_name", "config"}`` entries of built-in classes."""
    spec = _config.expect(spec, dict, "config.compile")
    loss, loss_weights = _read_loss(spec.get("loss"))
    optimizer = _config.from_spec(spec.get("optimizer"), "optimizer", "compile.optimizer")
    iterations = _config.field(spec["optimizer"], "iterations", int, "compile.optimizer")
    if iterations < 0:
        raise ValueError(f"malformed configuration: compile.optimizer.iterations must be >= 0. Received: {iterations}")
    if iterations > 2**53:  # beta**t takes t as a float: beyond 2**53 it is not the count any more
        digits = len(str(iterations))
        raise ValueError(
            "malformed configuration: compile.optimizer.iterations must be at most 2**53. "
            f"Received: a {digits}-digit number"
        )
    optimizer.iterations = iterations
    metrics = _config.field(spec, "metrics", (list, dict), "compile")
    if isinstance(metrics, dict):
        metrics = {output: _read_metrics(entries, metrics) for output, entries in metrics.items()}
    else:
        metrics = _read_metrics(metrics, metrics)
    return loss, optimizer, metrics, loss_weights


def _read_metrics(entries: Any, metrics: Any) -> list[Any]:
    """One output's metrics: names stay names (checked), ``{"class_name", "config"}`` entries become metrics."""
    if not isinstance(entries, list) or not all(isinstance(e, (str, dict)) for e in entries):
        raise ValueError(
            "malformed configuration: compile.metrics must be a list of names or {class_name, config} entries "
            f"(a dict of such lists by output name for several outputs). Received: {metrics!r:.200}"
        )
    try:
        built = [metrics_module.deserialize(entry) for entry in entries]  # a name that is not built in: ValueError
    except ValueError as error:
        raise ValueError(f"malformed configuration: compile.metrics: {error}") from None
    return [entry if isinstance(entry, str) else metric for entry, metric in zip(entries, built)]


def _read_loss(spec: Any) -> tuple[Any, Any]:
    """``(loss, None)``, or for several outputs ``({output: loss}, {output: weight})``."""
    if not (isinstance(spec, dict) and "outputs" in spec):
        return _config.from_spec(spec, "loss", "compile.loss"), None
    outputs = _config.field(spec, "outputs", dict, "compile.loss")
    losses = {name: _config.from_spec(s, "loss", f"compile.loss.outputs[{name!r}]") for name, s in outputs.items()}
    weights = _config.field(spec, "loss_weights", dict, "compile.loss")
    if not all(isinstance(w, (int, float)) and not isinstance(w, bool) and w >= 0 for w in weights.values()):
        raise ValueError(
            f"malformed configuration: compile.loss.loss_weights must be numbers >= 0. Received: {weights}"
        )
    return losses, weights


def slot_names(spec: Any) -> dict[str, tuple[int, str]]:
    """``{"optimizer/<index>/<slot>": (index, slot)}`` as the ``compile`` entry lists them ({} if None)."""
    if spec is None:
        return {}
    state = _config.field(_config.field(spec, "optimizer", dict, "compile"), "state", dict, "compile.optimizer")
    names = {}
    for key, slots in state.items():
        if key != "0":
            raise ValueError(
                f"malformed configuration: optimizer state for parameter {key!r}; "
                "the file holds the state of every parameter as one flat array, under '0'"
            )
        if not isinstance(slots, list) or not all(isinstance(s, str) for s in slots):
            raise ValueError(f"malformed configuration: optimizer state {key} must list slot names. Received: {slots}")
        names.update({f"optimizer/{int(key)}/{slot}": (int(key), slot) for slot in slots})
    return names
