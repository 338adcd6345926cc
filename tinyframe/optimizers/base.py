"""Optimizer: the base class of the parameter update rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._buffers import Buffers
from .._checks import check_float


class Optimizer:
    """Updates parameters in place from their gradients, one model at a time.

    ``step(params, grads)`` takes the model's parameters and gradients as two
    parallel lists and calls ``update(i, param, grad)`` for each; the index ``i``
    keys the optimizer's per-parameter state (``self.state[i]``, a dict of arrays),
    so one optimizer serves one model. ``learning_rate`` may be changed between
    steps (that is how `LearningRateScheduler` works).
    """

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = learning_rate
        self.iterations = 0
        self.state: dict[int, dict[str, np.ndarray]] = {}
        self._scratch = Buffers()

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = check_float(value, "learning_rate", type(self).__name__)

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Apply one update to every parameter, in place."""
        self.iterations += 1
        if len(params) == 1:  # a Sequential's flat parameter array: skip the loop
            self.update(0, params[0], grads[0])
            return
        for i, (param, grad) in enumerate(zip(params, grads)):
            self.update(i, param, grad)

    def update(self, index: int, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def slot(self, index: int, name: str, like: np.ndarray) -> np.ndarray:
        """Per-parameter state array ``name`` (zeros like ``like`` on first use)."""
        slots = self.state.setdefault(index, {})
        if name not in slots:
            slots[name] = np.zeros_like(like)
        return slots[name]

    def scratch(self, index: int, like: np.ndarray) -> np.ndarray:
        """A work array like ``like`` for parameter ``index``; not state, never saved."""
        return self._scratch.get(index, like.shape, like.dtype)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # State arrays may come back read-only (joblib loads pickles as memmaps): updates are in place.
        state["state"] = {i: {k: np.array(v) for k, v in slots.items()} for i, slots in state["state"].items()}
        self.__dict__.update(state)

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
