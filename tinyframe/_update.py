"""One optimizer step that never leaves a weight non-finite: applied, or undone.

`fit` promises that every weight is finite after any step, whatever the learning
rate. A finite loss is not enough: ``w - 1e38 * g`` overflows in float32, and
Adam's ``learning_rate / (1 - beta_1**t)`` can overflow on its own. So before each
step the parameters of every run are copied into a backup that this object owns
(allocated once per `fit`, not per step); after it, one sum of squares per run
(``np.dot(w, w)``: half the time of ``w.sum()`` here) tells whether any updated
weight is NaN or infinite (a NaN gradient makes one too). If so, the
parameters are copied back, the step counter is rewound, and the optimizer's state
for those parameters restarts from its initial value (Momentum's velocity, Adam's moments): the
failed step has already folded its gradient into that state, and keeping a second
copy of it every step would cost more than the step's own update on a large model.

The sum of squares also overflows when the weights are finite but enormous (above
about 1.8e19 in float32, 1.3e154 in float64); such weights count as diverged too.

>>> import numpy as np
>>> from tinyframe._params import Run
>>> from tinyframe.optimizers import GradientDescent
>>> w, g = np.array([1.0, 2.0]), np.array([1e308, 0.0])
>>> step = GuardedStep(GradientDescent(1e10), [Run(((0,),), w, g)])
>>> with np.errstate(over="ignore"):         # fit silences it for the whole step
...     kept = step()
>>> kept, w
(False, array([1., 2.]))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class GuardedStep:
    """``optimizer.apply(runs)`` as a transaction; calling it returns True if the step was kept."""

    def __init__(self, optimizer: Any, runs: list[Any]) -> None:
        self.optimizer, self.runs = optimizer, runs
        self._backups = [(run.params, np.empty_like(run.params)) for run in runs]
        self._only = self._backups[0] if len(runs) == 1 else None  # the usual case: one run, no loops
        self.applied = False  # whether the last call kept its update (`undo_applied` can take it back)
        self._iterations = 0  # the optimizer's count before the last call

    def __call__(self) -> bool:
        optimizer, only = self.optimizer, self._only
        iterations = self._iterations = optimizer.iterations
        if only is not None:
            np.copyto(only[1], only[0])
            optimizer.apply(self.runs)
            if math.isfinite(np.dot(only[0], only[0])):
                self.applied = True
                return True
        else:
            for params, backup in self._backups:
                np.copyto(backup, params)
            optimizer.apply(self.runs)
            if all(math.isfinite(np.dot(params, params)) for params, _ in self._backups):
                self.applied = True
                return True
        self._undo(iterations)
        return False

    def undo_applied(self) -> None:
        """Take back the update the last call kept (the backups still hold the weights before it)."""
        if self.applied:
            self._undo(self._iterations)
            self.applied = False

    def _undo(self, iterations: int) -> None:
        for params, backup in self._backups:
            np.copyto(params, backup)
        self.optimizer.reset_slots([key for run in self.runs for key in run.key])
        self.optimizer.iterations = iterations


class StateGuard:
    """The layers' non-trainable state, kept from before a step so that a failed step is undone whole.

    A training forward changes state in place before the loss is known (BatchNormalization's
    running mean and variance). `begin` copies every state array (into backups allocated once
    per fit), `restore` puts the copies back, `finite` says whether every value is finite: a
    step whose statistics overflowed is undone as one whose weights did. Falsy for a model
    without state, which then pays nothing.
    """

    def __init__(self, layers: list[Any]) -> None:
        self._entries = [
            (layer.state, name, np.empty_like(value))
            for layer in layers
            for name, value in layer.state.items()
            if isinstance(value, np.ndarray)
        ]

    def __bool__(self) -> bool:
        return bool(self._entries)

    def begin(self) -> None:
        for state, name, backup in self._entries:
            np.copyto(backup, state[name])

    def restore(self) -> None:
        for state, name, backup in self._entries:
            value = state[name]
            if value.shape == backup.shape and value.flags.writeable:
                np.copyto(value, backup)
            else:  # the layer rebound the array: give it the saved values back as its own
                state[name] = backup.copy()

    def finite(self) -> bool:
        return all(np.isfinite(state[name]).all() for state, name, _ in self._entries)
