"""Optimizer: the base class of the parameter update rules."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from .._checks import check_float


class Optimizer:
    """Updates parameters in place from their gradients, one model at a time.

    ``step(params, grads)`` takes parameters and gradients as two parallel lists
    and calls ``update(key, param, grad)`` for each, with the list index as the key.
    `fit` calls ``apply(runs)`` instead: each run is a stretch of the model's
    trainable parameters, contiguous in memory and keyed by the tuple of their
    indices (`tinyframe._params.Run`). The key selects the per-parameter state
    (``self.state[key]``, a dict of arrays shaped like the parameter), so one
    optimizer serves one model. ``learning_rate`` may be changed between steps (that
    is how `LearningRateScheduler` works); it must be a finite positive number.
    """

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = learning_rate
        self.iterations = 0
        self.state: dict[Hashable, dict[str, np.ndarray]] = {}
        self._scratch: dict[tuple, np.ndarray] = {}  # work arrays; owned here, the model's fit owns the optimizer

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = check_float(value, "learning_rate", type(self).__name__, high_open=True)

    def check_dtype(self, dtype: Any) -> None:
        """ValueError unless the learning rate is a finite, non-zero number in ``dtype`` (called by compile)."""
        with np.errstate(over="ignore", under="ignore"):  # an overflow to inf is what this reports
            in_dtype = np.asarray(self.learning_rate, dtype=dtype)
        if not (np.isfinite(in_dtype) and in_dtype > 0):
            raise ValueError(
                f"{type(self).__name__}: learning_rate must be finite and positive in the model's dtype "
                f"({np.dtype(dtype).name}, largest {np.finfo(dtype).max:.4g}). Received: learning_rate="
                f"{self.learning_rate!r}, which is {in_dtype} there"
            )

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Apply one update to every parameter, in place; the list index keys each one's state."""
        self.iterations += 1
        for i, (param, grad) in enumerate(zip(params, grads)):
            self.update(i, param, grad)

    def apply(self, runs: Sequence[Any]) -> None:
        """One update of every run (`tinyframe._params.Run`): what `fit` calls each step."""
        self.iterations += 1
        if len(runs) == 1:  # a model built in one go, nothing frozen: skip the loop
            run = runs[0]
            self.update(run.key, run.params, run.grads)
            return
        for run in runs:
            self.update(run.key, run.params, run.grads)

    def update(self, key: Hashable, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def slot(self, key: Hashable, name: str, like: np.ndarray) -> np.ndarray:
        """Per-parameter state array ``name`` (zeros like ``like`` on first use)."""
        slots = self.state.setdefault(key, {})
        if name not in slots:
            slots[name] = np.zeros_like(like)
        return slots[name]

    def scratch(self, key: Hashable, like: np.ndarray) -> np.ndarray:
        """A work array like ``like`` for parameter ``key``; not state, never saved."""
        try:
            return self._scratch[key, like.shape, like.dtype]
        except KeyError:
            work = self._scratch[key, like.shape, like.dtype] = np.empty_like(like)
            return work

    def __getstate__(self) -> dict[str, Any]:
        state = {**self.__dict__, "_scratch": {}}
        state.pop("_model", None)  # the model that compiled it (a weak reference) re-links itself on unpickling
        return state

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
