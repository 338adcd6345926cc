"""Calling a ``train_step``/``test_step`` in the form it was written in: Keras's ``step(data)`` or tinyframe's.

The default step itself is `tinyframe.trainer.Trainer._default_step`.
"""

from __future__ import annotations

from typing import Any


def call_step(step: Any, x: Any, y: Any, w: Any) -> dict[str, float]:
    """Call a ``train_step``/``test_step`` in its form: Keras's ``step(data)`` or tinyframe's ``step(x, y[, w])``.

    Keras's form takes one argument, ``data = (x, y)`` or ``(x, y, sample_weight)``.
    """
    if takes_data(step):
        return step((x, y) if w is None else (x, y, w))
    return step(x, y) if w is None else step(x, y, w)


def takes_data(step: Any) -> bool:
    """Whether a step takes Keras's one argument ``data`` (its signature read once per function)."""
    try:
        cached = _FORMS[step.__func__]
    except (AttributeError, KeyError):
        import inspect

        parameters = [
            p
            for p in inspect.signature(step).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        cached = len(parameters) == 1
        func = getattr(step, "__func__", None)
        if func is not None:
            _FORMS[func] = cached
    return cached


_FORMS: dict[Any, bool] = {}  # a step function -> whether it takes Keras's one argument
