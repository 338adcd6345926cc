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
