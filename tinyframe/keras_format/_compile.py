"""``compile_config`` in a ``.keras`` file: the loss, the optimizer's settings and the metrics, by Keras's names.

Keras 3 writes them beside the architecture and compiles the model it loads; so do these. What is
written: the loss as Keras's name (a loss without one, such as the article's `SquaredError`, or one
with other settings, is left out with a warning: the file then loads uncompiled), the optimizer's
class and its settings by Keras's names (not its state: a ``.keras`` file holds none), and the
metrics tinyframe can name. What is read: the same; a setting or metric tinyframe does not have is
left out with a warning, and a loss it does not know leaves the model uncompiled. Nothing here can
stop a model from loading: compiling is the last step, and only names are looked up.
"""

from __future__ import annotations

import inspect
from typing import Any

from .. import _config, losses, optimizers
from .. import metrics as metrics_module

# tinyframe's loss classes with a Keras name, at their default settings
_LOSSES = {
    "MeanSquaredError": "mean_squared_error",
    "MeanAbsoluteError": "mean_absolute_error",
    "CrossEntropy": "categorical_crossentropy",
    "BinaryCrossEntropy": "binary_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "Huber": "huber",
    "KLDivergence": "kl_divergence",
    "Hinge": "hinge",
    "Poisson": "poisson",
}
# tinyframe's optimizer classes -> Keras's class names (SGD covers GradientDescent and Momentum)
_OPTIMIZERS = {
    "GradientDescent": "SGD",
    "Momentum": "SGD",
    "Adam": "Adam",
    "AdamW": "AdamW",
    "RMSProp": "RMSprop",
    "Adagrad": "Adagrad",
    "Nadam": "Nadam",
}


def describe(model: Any) -> dict[str, Any] | None:
    """Keras's ``compile_config`` of a compiled model (None if not compiled, or if its loss has no Keras name)."""
    loss, optimizer = model.loss, model.optimizer
    if loss is None or optimizer is None:
        return None
    name = _LOSSES.get(type(loss).__name__)
    if name is None or loss.get_config() != type(loss)().get_config():
        _config.warn(
            f"save: the loss {loss!r} has no Keras name, so the .keras file is written without compile settings "
            "(it loads uncompiled); compile it again after loading"
        )
        return None
    kind = type(optimizer).__name__
    settings = {k: v for k, v in optimizer.get_config().items() if v is not None and not isinstance(v, dict)}
    if kind == "GradientDescent":
        settings["momentum"] = 0.0
    metrics = [m for m in model.metrics if _keras_metric(m)]
    return {
        "optimizer": {
            "module": "keras.optimizers",
            "class_name": _OPTIMIZERS.get(kind, kind),
            "config": {"name": _OPTIMIZERS.get(kind, kind).lower(), **settings},
            "registered_name": None,
        },
        "loss": name,
        "loss_weights": None,
        "metrics": metrics or None,
        "weighted_metrics": None,
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }


def _keras_metric(name: str) -> bool:
    try:
        metrics_module.get(name)
        return True
    except ValueError:
        _config.warn(f"save: the metric {name!r} has no Keras name; the .keras file is written without it")
        return False


def apply(model: Any, spec: Any) -> None:
    """Compile ``model`` as a file's ``compile_config`` says, where tinyframe has what it names; else warn."""
    if not isinstance(spec, dict) or spec.get("loss") is None:
        return  # not compiled, or compiled without a loss (Keras's add_loss): left uncompiled
    loss = spec.get("loss")
    try:
        loss = losses.get(loss if isinstance(loss, str) else (loss or {}).get("class_name"))
    except ValueError:
        _config.warn(f"load: the loss {spec.get('loss')!r} is not one tinyframe has; the model is not compiled")
        return
    model.compile(loss=loss, optimizer=_optimizer(spec.get("optimizer")), metrics=_metrics(spec.get("metrics")))


def _optimizer(spec: Any) -> Any:
    """The optimizer a ``compile_config`` names, with the settings tinyframe's class takes (others warned about)."""
    if isinstance(spec, str):
        return optimizers.get(spec)
    name = spec.get("class_name") if isinstance(spec, dict) else None
    config = spec.get("config") if isinstance(spec, dict) and isinstance(spec.get("config"), dict) else {}
    if name == "SGD":
        build = optimizers.SGD
    else:
        cls = optimizers._named(name) if isinstance(name, str) else None
        if cls is None:
            _config.warn(f"load: the optimizer {name!r} is not one tinyframe has; the model gets Adam")
            return optimizers.Adam()
        build = cls
    taken = inspect.signature(build).parameters
    kwargs = {k: v for k, v in config.items() if k in taken and v is not None}
    dropped = sorted(k for k, v in config.items() if k not in taken and k != "name" and _KERAS_DEFAULTS.get(k, v) != v)
    dropped += sorted(k for k, v in config.items() if k not in taken and k not in _KERAS_DEFAULTS and k != "name")
    if dropped:
        _config.warn(f"load: the optimizer's settings {dropped} are not tinyframe's; they are left out")
    return build(**kwargs)


# Keras optimizers' settings tinyframe's do not take, at the values that change nothing (no warning for those)
_KERAS_DEFAULTS = {
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
    "weight_decay": None,
    "amsgrad": False,
    "clipnorm": None,
    "clipvalue": None,
    "global_clipnorm": None,
}


def _metrics(spec: Any) -> list[Any]:
    """The metrics of a ``compile_config`` that tinyframe has (by name or built-in class); the others warned about."""
    found = []
    for item in spec or []:
        identifier = item
        if isinstance(item, dict):
            config = {k: v for k, v in (item.get("config") or {}).items() if k != "dtype"}
            identifier = {"class_name": item.get("class_name"), "config": config}
        try:
            found.append(metrics_module.get(identifier))
        except (TypeError, ValueError):
            _config.warn(f"load: the metric {item!r:.80} is not one tinyframe has; it is left out")
    return found
