"""One optimizer update as a transaction: applied whole, or undone whole if it leaves anything non-finite.

`fit` promises that every weight is finite after any step, whatever the learning
rate. A finite loss and finite gradients are not enough: ``w - 1e38 * g`` overflows
in float32, and Adam's ``learning_rate / (1 - beta_1**t)`` can overflow on its own.
So each step first copies the parameters it will update, and the optimizer's state
for them, into work arrays the training scratch owns (no allocation after the first
step); then the optimizer runs; then one sum per array tells whether anything became
NaN or infinite. If so, everything is copied back and the step counter rewound.

A sum also overflows when the values are finite but enormous (their total exceeds the
dtype's largest number); such weights count as diverged too.

>>> import numpy as np
>>> from tinyframe._params import Run
>>> from tinyframe._scratch import Scratch
>>> from tinyframe.optimizers import GradientDescent
>>> w, g = np.array([1.0, 2.0]), np.array([1e308, 0.0])
>>> run = Run((0,), w, g, (2,))
>>> apply_or_undo(GradientDescent(1e10), [run], Scratch(), owner=run), w
(False, array([1., 2.]))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def apply_or_undo(optimizer: Any, runs: list[Any], scratch: Any, owner: Any) -> bool:
    """``optimizer.apply(runs)``; True if every updated parameter and state array is finite, else undone and False."""
    saved = []
    for run in runs:
        backup = scratch.get(owner, ("params", run.key), run.params.shape, run.params.dtype)
        np.copyto(backup, run.params)
        saved.append((run.params, backup))
        for name, value in optimizer.state.get(run.key, {}).items():
            backup = scratch.get(owner, ("state", run.key, name), value.shape, value.dtype)
            np.copyto(backup, value)
            saved.append((value, backup))
    had_state = {run.key for run in runs if run.key in optimizer.state}
    iterations = optimizer.iterations
    optimizer.apply(runs)
    if _all_finite(optimizer, runs):
        return True
    for value, backup in saved:
        np.copyto(value, backup)
    for run in runs:
        if run.key not in had_state:
            optimizer.state.pop(run.key, None)
    optimizer.iterations = iterations
    return False


def _all_finite(optimizer: Any, runs: list[Any]) -> bool:
    for run in runs:
        if not math.isfinite(run.params.sum()):
            return False
        for value in optimizer.state.get(run.key, {}).values():
            if not math.isfinite(value.sum()):
                return False
    return True
