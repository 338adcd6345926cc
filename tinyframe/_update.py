"""One optimizer step that never leaves a weight non-finite: applied, or undone.

`fit` promises that every weight is finite after any step, whatever the learning
rate. A finite loss is not enough: ``w - 1e38 * g`` overflows in float32, and
Adam's ``learning_rate / (1 - beta_1**t)`` can overflow on its own. So before each
step the parameters of every run are copied into a backup that this object owns
(allocated once per `fit`, not per step); after it, one sum per run tells whether
any updated weight is NaN or infinite (a NaN gradient makes one too). If so, the
parameters are copied back, the step counter is rewound, and the optimizer's state
for those parameters restarts from zero (Momentum's velocity, Adam's moments): the
failed step has already folded its gradient into that state, and keeping a second
copy of it every step would cost more than the step's own update on a large model.

A sum also overflows when the weights are finite but enormous (their total exceeds
the dtype's largest number); such weights count as diverged too.

>>> import numpy as np
>>> from tinyframe._params import Run
>>> from tinyframe.optimizers import GradientDescent
>>> w, g = np.array([1.0, 2.0]), np.array([1e308, 0.0])
>>> step = GuardedStep(GradientDescent(1e10), [Run((0,), w, g, (2,))])
>>> step(), w
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

    def __call__(self) -> bool:
        for params, backup in self._backups:
            np.copyto(backup, params)
        iterations = self.optimizer.iterations
        self.optimizer.apply(self.runs)
        for params, _ in self._backups:
            if not math.isfinite(params.sum()):
                self._undo(iterations)
                return False
        return True

    def _undo(self, iterations: int) -> None:
        for params, backup in self._backups:
            np.copyto(params, backup)
        for run in self.runs:
            self.optimizer.state.pop(run.key, None)
        self.optimizer.iterations = iterations
