"""The compile settings and optimizer state in a saved file, for `tinyframe.saving`.

Saved: the loss and the optimizer as ``{"class_name", "config"}``, the optimizer's
``iterations``, the names of its state slots per parameter (each array goes into the
file as ``optimizer/<layer index>/<parameter name>/<slot>``, beside the parameter's
``layers/<layer index>/<parameter name>``), and the built-in
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


def describe(model: Any, places: dict[Any, str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(spec, arrays)``: the JSON part and the state arrays by file name.

    ``places`` maps each parameter's key ``(layer name, parameter name)`` to its place in
    the file (``"<layer index>/<parameter name>"``, as its weights are stored); its state
    goes in as ``optimizer/<place>/<slot>``, shaped like the parameter.
    """
    optimizer, arrays, listed = model.optimizer, {}, {}
    shapes = {(layer.name, name): p.shape for layer in model.layers for name, p in layer.params.items()}
    for key, slots in optimizer.state.items():
        place = places.get(key)
        if place is None:
            raise ValueError(
                f"save: the optimizer holds state under the key {key!r}, which names no parameter of the model "
                "(fit keys it by (layer name, parameter name)); state made by Optimizer.step(params, grads) is "
                "keyed by list index. Save with include_optimizer=False, or step the model with "
                "model.apply_gradients() / optimizer.apply_gradients(...)"
            )
        for slot, value in slots.items():
            if not isinstance(value, np.ndarray) or value.shape != shapes[key] or value.dtype != model.dtype:
                raise ValueError(
                    f"save: optimizer state {key}/{slot!r} must be an array shaped like the parameter, "
                    f"{shapes[key]}, of the model's dtype {model.dtype}. Received: {value!r:.100}"
                )
            arrays[f"optimizer/{place}/{slot}"] = value
        listed[place] = sorted(slots)
    _check_schedule(optimizer)
    spec = {
        "loss": _loss_spec(model.loss),
        "optimizer": {
            **_config.to_spec(optimizer, "the optimizer"),
            "iterations": int(optimizer.iterations),
            "state": listed,
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


def slot_names(spec: Any, flat: bool) -> dict[str, tuple[str, str]]:
    """``{file name: (place, slot)}`` of the state arrays the ``compile`` entry lists ({} if None).

    Since format 4 each parameter's state is its own array, ``optimizer/<place>/<slot>``
    (``place`` is ``"<layer index>/<parameter name>"``). Earlier files (``flat``) hold one
    array per slot over every parameter in `Model.params` order: ``optimizer/0/<slot>``,
    place ``"0"``.
    """
    if spec is None:
        return {}
    state = _config.field(_config.field(spec, "optimizer", dict, "compile"), "state", dict, "compile.optimizer")
    names = {}
    for place, slots in state.items():
        if flat and place != "0":
            raise ValueError(
                f"malformed configuration: optimizer state for parameter {place!r}; "
                "a file of this format holds the state of every parameter as one flat array, under '0'"
            )
        if not flat and not _is_place(place):
            raise ValueError(
                "malformed configuration: optimizer state must be listed by parameter, "
                f"'<layer index>/<parameter name>'. Received: {place!r:.100}"
            )
        if not isinstance(slots, list) or not all(isinstance(s, str) and s and "/" not in s for s in slots):
            raise ValueError(
                f"malformed configuration: optimizer state {place} must list slot names. Received: {slots!r:.200}"
            )
        names.update({f"optimizer/{place}/{slot}": (place, slot) for slot in slots})
    return names


def _is_place(place: str) -> bool:
    index, _, name = place.partition("/")
    return index.isdigit() and index.isascii() and bool(name) and "/" not in name


def state_from_file(
    model: Any, places: dict[Any, str], arrays: dict[tuple[str, str], np.ndarray], flat: bool
) -> dict[Any, dict[str, np.ndarray]]:
    """The optimizer's state ``{(layer name, parameter name): {slot: array}}`` from the arrays read.

    ``arrays`` is keyed by ``(place, slot)`` as `slot_names` lists them; a ``flat`` file's
    arrays (one per slot over every parameter) are cut at the parameters' sizes.
    """
    state: dict[Any, dict[str, np.ndarray]] = {}
    if flat:
        offset = 0
        for key, p in zip(places, model.params):
            state[key] = {slot: a[offset : offset + p.size].reshape(p.shape).copy() for (_, slot), a in arrays.items()}
            offset += p.size
        return {key: slots for key, slots in state.items() if slots}
    by_place = {place: key for key, place in places.items()}
    for (place, slot), array in arrays.items():
        state.setdefault(by_place[place], {})[slot] = array
    return state
