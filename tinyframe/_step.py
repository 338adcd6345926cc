"""The default training step's maths: forward, loss, backward, a guarded update.

It lives apart from `tinyframe.training` so that `Sequential.train_step` (in
`tinyframe.model`) can call it without importing the fit loop on every step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._fp import silenced


def train_step(
    model: Any, xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None = None
) -> tuple[float, np.ndarray | None]:
    """Forward, loss, backward, update: one gradient step. Returns the loss and ``y_hat``.

    A step whose loss is not finite changes nothing; one whose update would leave a
    weight non-finite is undone (`tinyframe._update`) and returns ``(nan, None)``
    (and sets ``model._overflowed``). Overflow inside the step is expected to show up
    there, as inf or NaN, so NumPy's warnings about it are silenced for the step and
    the results are checked instead. `fit` calls it (through `Sequential.train_step`)
    inside the model's training scratch, holding the model.
    """
    with silenced():
        y_hat = model.forward(xb, training=True)
        loss = model.compute_loss(y_hat, yb, wb)
        if not math.isfinite(loss) or not model._runs:
            return loss, y_hat
        model.backward(model.loss.backward(), input_grad=False)
        model._sync()
        if not model._step():
            model._overflowed = True
            return math.nan, None
    return loss, y_hat


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
