"""Elementwise ops: one operand (``exp``, ``log``, ``sqrt``, ``square``, ``abs``, ``negative``, ...) or two, with
NumPy's broadcasting (``add``, ``subtract``, ``multiply``, ``divide``, ``maximum``, ``minimum``, ``power``).

Each names its derivative beside its value; an operand that was broadcast gets its gradient
summed back to its own shape (`unbroadcast`), so ``ops.add(x @ W, b)`` gives ``b`` the sum over
the batch, as a bias's gradient is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layers.masks import either
from .base import Op, apply, is_operand

# name -> (f(x), f'(x) given x and y = f(x))
_UNARY = {
    "exp": (np.exp, lambda x, y: y),
    "log": (np.log, lambda x, y: 1.0 / x),
    "sqrt": (np.sqrt, lambda x, y: 0.5 / y),
    "square": (np.square, lambda x, y: 2.0 * x),
    "abs": (np.abs, lambda x, y: np.sign(x)),
    "negative": (np.negative, lambda x, y: -np.ones_like(x)),
    "relu": (lambda x: np.maximum(x, 0), lambda x, y: (x > 0).astype(x.dtype)),
    "sigmoid": (lambda x: 0.5 * (1 + np.tanh(0.5 * x)), lambda x, y: y * (1 - y)),
    "tanh": (np.tanh, lambda x, y: 1 - y * y),
    "softplus": (lambda x: np.logaddexp(0, x), lambda x, y: 0.5 * (1 + np.tanh(0.5 * x))),
}

# name -> (f(a, b), (df/da, df/db) given a, b, y)
_BINARY = {
    "add": (np.add, lambda a, b, y: (1.0, 1.0)),
    "subtract": (np.subtract, lambda a, b, y: (1.0, -1.0)),
    "multiply": (np.multiply, lambda a, b, y: (b, a)),
    "divide": (np.divide, lambda a, b, y: (1.0 / b, -y / b)),
    "maximum": (np.maximum, lambda a, b, y: ((a >= b).astype(y.dtype), (a < b).astype(y.dtype))),
    "minimum": (np.minimum, lambda a, b, y: ((a <= b).astype(y.dtype), (a > b).astype(y.dtype))),
    "power": (np.power, lambda a, b, y: (b * np.power(a, b - 1), y * np.log(np.where(a > 0, a, 1.0)))),
}


def kept_steps(mask: Any) -> Any:
    """An elementwise op's output mask: the steps any masked operand keeps (operands without a mask add none)."""
    masks = [m for m in (mask if isinstance(mask, list) else [mask]) if m is not None]
    return either(masks) if masks else None


class Unary(Op):
    """``y = f(x)`` elementwise; ``dJ/dx = dJ/dy * f'(x)``."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        self.function = name
        super().__init__(**kwargs)
        self._f, self._df = _UNARY[name]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return kept_steps(mask)

    def compute(self, x: np.ndarray) -> np.ndarray:
        return self._f(x)

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        return [grad * self._df(xs[0], y)]

    def __repr__(self) -> str:
        return f"ops.{self.function}"


class Binary(Op):
    """``y = f(a, b)`` with NumPy's broadcasting; ``dJ/da = dJ/dy * df/da`` summed back to ``a``'s shape.

    With one constant (a number or an outside array), the op keeps it: ``constant`` and whether it
    is the first operand (``constant_first``); the op then takes the other operand alone.
    """

    def __init__(self, name: str, constant: Any = None, constant_first: bool = False, **kwargs: Any) -> None:
        self.function, self.constant, self.constant_first = name, constant, constant_first
        super().__init__(**kwargs)
        self._f, self._df = _BINARY[name]

    def _pair(self, xs: tuple | list) -> tuple[Any, Any]:
        if len(xs) == 2:
            return xs[0], xs[1]
        constant = np.asarray(self.constant, dtype=xs[0].dtype)  # a float32 model stays float32
        return (constant, xs[0]) if self.constant_first else (xs[0], constant)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return kept_steps(mask)

    def compute(self, *xs: np.ndarray) -> np.ndarray:
        return self._f(*self._pair(xs))

    def gradients(self, xs: list[np.ndarray], y: np.ndarray, grad: np.ndarray) -> list[np.ndarray]:
        da, db = self._df(*self._pair(xs), y)
        if len(xs) == 2:
            return [grad * da, grad * db]
        return [grad * (db if self.constant_first else da)]

    def __repr__(self) -> str:
        return f"ops.{self.function}"


def unary(name: str, x: Any) -> Any:
    if not is_operand(x):
        return _UNARY[name][0](np.asarray(x))
    return apply(Unary(name), [x])


def binary(name: str, x1: Any, x2: Any) -> Any:
    first, second = is_operand(x1), is_operand(x2)
    if first and second:
        return apply(Binary(name), [x1, x2])
    if first or second:
        constant = x2 if first else x1
        return apply(Binary(name, constant=np.asarray(constant), constant_first=second), [x1 if first else x2])
    return _BINARY[name][0](x1, x2)
