"""Central-difference gradient checks for layers, losses and whole models (float64).

Each check compares the analytic gradients (``backward``) with numerical ones from
the fourth-order central difference (the five-point stencil)::

    dJ/dw_i ~ (8 (J(w + h e_i) - J(w - h e_i)) - (J(w + 2h e_i) - J(w - 2h e_i))) / (12 h)

for every parameter element and every input element, and reports, per array, the
relative error ``||analytic - numeric|| / max(||analytic||, ||numeric||, floor)``.
Its truncation error is O(h^4), so with ``h = 1e-4`` rounding dominates: about
``1e-16 * |J| / h = 1e-12 * |J|`` (the plain two-point difference would leave
1e-10 at best, too coarse for the small gradients deep in a sigmoid stack).
The floor, ``1e-9 * max(1, |J|)``, is where that rounding takes over: a gradient
far below it cannot be resolved and counts as zero.
A layer is checked through ``J = sum(r * layer(x))`` with a fixed random ``r``,
so ``backward(r)`` must return ``dJ/dx``.

Random layers (Dropout) are checked with ``training=True``: every evaluation
restores the Generator state first, so each sees the same random mask.

>>> import numpy as np
>>> from tinyframe.layers import Dense
>>> result = check_layer(Dense(3, 2).build(dtype="float64", rng=0), np.ones((4, 3)))
>>> result.max_error < 1e-7
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FLOOR = 1e-9  # relative to max(1, |J|): gradients below it count as zero


@dataclass
class GradCheckResult:
    """Relative error per checked array (``"input"``, ``"layer0.W"``, ...)."""

    errors: dict[str, float] = field(default_factory=dict)

    @property
    def max_error(self) -> float:
        return max(self.errors.values(), default=0.0)

    @property
    def worst(self) -> str | None:
        return max(self.errors, key=self.errors.get, default=None)

    def __str__(self) -> str:
        rows = ", ".join(f"{k}: {v:.2e}" for k, v in self.errors.items())
        return f"worst relative error {self.max_error:.2e} ({self.worst}); {rows}"


def relative_error(analytic: np.ndarray, numeric: np.ndarray, J: float = 1.0) -> float:
    """``||a - n|| / max(||a||, ||n||, FLOOR * max(1, |J|))``."""
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), FLOOR * max(1.0, abs(J)))
    return float(np.linalg.norm(analytic - numeric) / scale)


def numerical_gradient(J: Callable[[], float], w: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """Five-point central differences of the scalar ``J()`` in ``w`` (changed in place, then restored)."""
    grad = np.zeros_like(w)
    flat, out = w.reshape(-1), grad.reshape(-1)

    def J_at(i: int, value: float) -> float:
        flat[i] = value
        return J()

    for i in range(flat.size):
        saved = flat[i]
        near = J_at(i, saved + eps) - J_at(i, saved - eps)
        far = J_at(i, saved + 2 * eps) - J_at(i, saved - 2 * eps)
        flat[i] = saved
        out[i] = (8 * near - far) / (12 * eps)
    return grad


def _require_float64(**arrays: np.ndarray) -> None:
    for name, a in arrays.items():
        if np.asarray(a).dtype != np.float64:
            raise ValueError(f"gradcheck needs float64 arrays; {name} is {np.asarray(a).dtype}")


def _fixed_randomness(rngs: list[np.random.Generator]) -> Callable[[], None]:
    """A function that puts every Generator back to its current state."""
    states = [(rng, rng.bit_generator.state) for rng in rngs if rng is not None]

    def restore() -> None:
        for rng, state in states:
            rng.bit_generator.state = state

    return restore


def check_layer(layer: Any, x: np.ndarray, training: bool = False, eps: float = 1e-4, seed: int = 0) -> GradCheckResult:
    """Check a built float64 layer's parameter and input gradients at input ``x``."""
    x = np.array(x, dtype=np.float64)
    _require_float64(x=x, **{f"param {k}": v for k, v in layer.params.items()})
    restore = _fixed_randomness([layer.rng])
    restore()
    r = np.random.default_rng(seed).standard_normal(layer.forward(x, training=training).shape)

    def J() -> float:
        restore()
        return float(np.sum(r * layer.forward(x, training=training)))

    J0 = J()
    result = GradCheckResult()
    result.errors["input"] = relative_error(np.array(layer.backward(r.copy())), numerical_gradient(J, x, eps), J0)
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    for name, w in layer.params.items():
        result.errors[name] = relative_error(analytic[name], numerical_gradient(J, w, eps), J0)
    return result


def check_loss(loss: Any, y_pred: np.ndarray, y_true: np.ndarray, eps: float = 1e-4) -> GradCheckResult:
    """Check ``loss.backward()`` against central differences of ``loss.forward`` in ``y_pred``."""
    y_pred, y_true = np.array(y_pred, dtype=np.float64), np.asarray(y_true, dtype=np.float64)

    def J() -> float:
        return float(loss.forward(y_pred, y_true))

    J0 = J()
    analytic = np.array(loss.backward())
    return GradCheckResult({"y_pred": relative_error(analytic, numerical_gradient(J, y_pred, eps), J0)})


def _index_inputs(model: Any) -> set[int]:
    """The positions of the model's inputs that feed only layers of indices (`Embedding`)."""
    if getattr(model, "_graph", None) is not None:
        return {k for k, takers in enumerate(model._index_takers()) if takers}
    first = model.layers[0] if getattr(model, "layers", None) else None
    return {0} if first is not None and first.takes_indices else set()


def check_model(model: Any, X: Any, y: np.ndarray, training: bool = False, eps: float = 1e-4) -> GradCheckResult:
    """Check every parameter gradient and ``dJ/dX`` of a compiled float64 model (`Sequential` or `Model`).

    ``J`` is the model's loss (plus any regularisation penalty) at ``(X, y)``,
    with ``y`` already of the output's shape (a list, one per output, for several outputs).
    ``X`` is a list of arrays for a model of several inputs; each input's gradient is
    checked (``input``, ``input1``, ...), but for an input that feeds only layers of indices
    (`Embedding`): indices have no gradient.
    """
    if model.dtype != np.float64:
        raise ValueError(f"gradcheck needs a float64 model. Received: dtype {model.dtype}")
    model._ensure_compiled()
    listed = isinstance(X, list)
    indices = _index_inputs(model)
    xs = [
        np.asarray(x).copy() if k in indices else np.array(x, dtype=np.float64)
        for k, x in enumerate(X if listed else [X])
    ]
    y = [np.asarray(t, dtype=np.float64) for t in y] if isinstance(y, list) else np.asarray(y, dtype=np.float64)
    restore = _fixed_randomness([model.rng])

    def J() -> float:
        restore()
        y_hat = model.forward(xs if listed else xs[0], training=training)
        return float(model.loss.forward(y_hat, y)) + model.penalty()

    J0 = J()
    result = GradCheckResult()
    analytic_inputs = model.backward(model.loss.backward(), input_grad=True)
    analytic_inputs = [np.array(g) for g in (analytic_inputs if listed else [analytic_inputs])]
    analytic = [g.copy() for g in model.grads]
    for k, (x, g) in enumerate(zip(xs, analytic_inputs)):
        if k not in indices:
            result.errors["input" if k == 0 else f"input{k}"] = relative_error(g, numerical_gradient(J, x, eps), J0)
    names = [f"layer{i}.{k}" for i, layer in enumerate(model.layers) for k in layer.params]
    for name, w, g in zip(names, model.params, analytic):
        result.errors[name] = relative_error(g, numerical_gradient(J, w, eps), J0)
    return result
