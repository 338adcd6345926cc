"""Loss: the base class of the costs a model minimises."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _scratch

_current_scratch = _scratch.CURRENT.get


class Loss:
    """A cost ``J(y_pred, y_true)`` averaged over the batch, and its gradient.

    Contract:

    * ``forward(y_pred, y_true, sample_weight=None) -> float`` for arrays of shape
      ``(m, d1, ..., k)`` (batch first, classes or features on the last axis);
      keeps what ``backward`` needs.
    * ``backward() -> dJ/dy_pred`` of the prediction's shape, the reduction (the
      article's ``1/m``, Keras's mean over positions) built in, for the inputs of the
      last ``forward``.

    Subclasses implement ``value(y_pred, y_true) -> float`` and
    ``gradient(out) -> out``; the base checks shapes and keeps the inputs.

    **Sample weights** (Keras's meaning). ``sample_weight`` is None or an array of
    shape ``(m,)``, one weight per sample, broadcast over the sample's positions.
    The weighted value is ``(1/P) sum_s w_s L_s`` where ``L_s`` is sample ``s``'s
    summed loss and ``P`` the number of positions (not the sum of the weights), so
    ``dJ/dy_pred[s] = w_s * (unweighted dJ/dy_pred)[s]``: ``backward`` scales the
    unweighted gradient. That needs each sample's loss to depend on its own row
    only, and ``value`` to do its sums through ``self.total(a)`` or
    ``self.total(a, b)`` (``sum(a)``, ``sum(a * b)``; with weights, each sample's
    part times its weight). A subclass whose ``value`` never calls ``total`` still
    works unweighted, and raises TypeError if given weights.

    **What backward reads.** Only the values of its own forward call: the inputs,
    and the arrays ``value`` obtained with ``self.buffer(name, shape)``, which are
    recorded for that call and read back with ``self.saved(name)``. Nothing is
    looked up again, so no cache can hand backward an evicted or foreign array.
    The arrays themselves come from the caller's scratch (work arrays owned by the call):
    reused step after step in `fit`, new for each `evaluate` call.

    Example:
        >>> import numpy as np
        >>> from tinyframe.losses import MeanAbsoluteError
        >>> y_pred, y_true = np.array([[1.0, -1.0], [3.0, 3.0]]), np.zeros((2, 2))
        >>> MeanAbsoluteError().forward(y_pred, y_true)                   # (1 + 1 + 3 + 3) / 4
        2.0
        >>> MeanAbsoluteError().forward(y_pred, y_true, np.array([2.0, 0.0]))   # 2 * (1 + 1) / 4
        1.0
    """

    def __init__(self) -> None:
        self._y_pred: np.ndarray | None = None
        self._y_true: np.ndarray | None = None
        self._saved: dict[str, np.ndarray] = {}
        self._weight: np.ndarray | None = None
        self._weighted_sums = 0

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        if y_pred.shape != y_true.shape:
            raise ValueError(
                f"{self!r}: y_pred and y_true must have the same shape. "
                f"Received: y_pred.shape={y_pred.shape}, y_true.shape={y_true.shape}"
            )
        self._y_pred, self._y_true, self._saved = y_pred, y_true, {}
        if sample_weight is None:
            self._weight = None
            return self.value(y_pred, y_true)
        self._weight, self._weighted_sums = self._checked_weight(sample_weight, y_pred), 0
        value = self.value(y_pred, y_true)
        if not self._weighted_sums:
            self._y_pred = None  # no backward for a refused call
            raise TypeError(
                f"{type(self).__name__} does not support sample_weight: its value() does not reduce through "
                "self.total(...), so the weights would be ignored. Pass no sample_weight, or sum through "
                f"self.total in value(). Received: sample_weight of shape {np.shape(sample_weight)}"
            )
        return value

    def backward(self) -> np.ndarray:
        if self._y_pred is None:
            raise RuntimeError(f"{self!r}: call forward(y_pred, y_true) before backward()")
        out = self.gradient(self.buffer("grad", self._y_pred.shape))
        w = self._weight
        if w is not None:
            out *= w.reshape(w.shape + (1,) * (out.ndim - 1))
        return out

    def value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def total(self, a: np.ndarray, b: np.ndarray | None = None) -> float:
        """``sum(a)`` or ``sum(a * b)`` over every element; with sample weights ``sum_s w_s * (sample s's part)``.

        ``a`` (and ``b``, of the same shape) have the batch axis first. Unweighted,
        this is ``a.sum()`` or ``np.vdot(a, b)``: no extra work on the hot path.
        """
        w = self._weight
        if w is None:
            return float(a.sum()) if b is None else float(np.vdot(a, b))
        self._weighted_sums += 1
        rows = a.reshape(a.shape[0], -1)
        per_sample = rows.sum(axis=1) if b is None else np.einsum("ij,ij->i", rows, b.reshape(rows.shape))
        return float(np.dot(w, per_sample))

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

    def _checked_weight(self, sample_weight: Any, y_pred: np.ndarray) -> np.ndarray:
        """``sample_weight`` as finite weights of shape ``(m,)`` in the prediction's dtype, or a clear error."""
        w = np.asarray(sample_weight)
        if w.dtype.kind not in "iuf":
            raise TypeError(f"{self!r}: sample_weight must hold real numbers. Received: dtype {w.dtype}")
        if w.shape != y_pred.shape[:1]:
            raise ValueError(
                f"{self!r}: sample_weight must have shape ({y_pred.shape[0]},), one weight per sample. "
                f"Received: shape {w.shape}"
            )
        w = w.astype(y_pred.dtype, copy=False)
        if w.size and not (np.isfinite(w.min()) and np.isfinite(w.max())):
            raise ValueError(f"{self!r}: sample_weight must be finite. Received: {w[~np.isfinite(w)][:3]}")
        return w

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def positions(a: np.ndarray) -> int:
    """The number of positions of ``a`` of shape ``(m, d1, ..., k)``: every axis but the last, ``a.size / k``."""
    return a.size // a.shape[-1]
