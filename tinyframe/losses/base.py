"""Loss: the base class of the costs a model minimises."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _scratch

_current_scratch = _scratch.CURRENT.get


class Loss:
    """A cost ``J(y_pred, y_true)`` averaged over the batch, and its gradient.

    Contract (DESIGN.md):

    * ``forward(y_pred, y_true) -> float`` for arrays of shape ``(m, k)``; keeps
      what ``backward`` needs.
    * ``backward() -> dJ/dy_pred`` of shape ``(m, k)``, the mean over the batch
      (the article's ``1/m``) built in, for the inputs of the last ``forward``.

    Subclasses implement ``value(y_pred, y_true) -> float`` and
    ``gradient(out) -> out``; the base checks shapes and keeps the inputs.

    **What backward reads.** Only the values of its own forward call: the inputs,
    and the arrays ``value`` obtained with ``self.buffer(name, shape)``, which are
    recorded for that call and read back with ``self.saved(name)``. Nothing is
    looked up again, so no cache can hand backward an evicted or foreign array.
    The arrays themselves come from the caller's scratch (`tinyframe._scratch`):
    reused step after step in `fit`, new for each `evaluate` call.
    """

    def __init__(self) -> None:
        self._y_pred: np.ndarray | None = None
        self._y_true: np.ndarray | None = None
        self._saved: dict[str, np.ndarray] = {}

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        if y_pred.shape != y_true.shape:
            raise ValueError(
                f"{self!r}: y_pred and y_true must have the same shape. "
                f"Received: y_pred.shape={y_pred.shape}, y_true.shape={y_true.shape}"
            )
        self._y_pred, self._y_true, self._saved = y_pred, y_true, {}
        return self.value(y_pred, y_true)

    def backward(self) -> np.ndarray:
        if self._y_pred is None:
            raise RuntimeError(f"{self!r}: call forward(y_pred, y_true) before backward()")
        return self.gradient(self.buffer("grad", self._y_pred.shape))

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A scratch array in the prediction's dtype for this forward call: the same one for the same name.

        It is recorded for the call, so backward reads it back with `saved`.
        """
        saved = self._saved
        array = saved.get(name)
        if array is not None and array.shape == shape:
            return array
        scratch = _current_scratch()
        dtype = self._y_pred.dtype
        if scratch is None:
            array = saved[name] = _scratch.buffer(self, name, shape, dtype)
            return array
        try:
            array = scratch.arrays[id(self), name, shape, dtype]
        except KeyError:
            array = scratch.get(self, name, shape, dtype)
        saved[name] = array
        return array

    def saved(self, name: str) -> np.ndarray:
        """The array ``name`` that this call's forward filled through `buffer`."""
        return self._saved[name]

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
