"""Weight penalties, Keras style: ``Dense(64, 30, kernel_regularizer=L2(1e-4))``.

A regulariser adds ``penalty(W)`` to the loss the model reports and minimises, and
its gradient to ``dJ/dW``. `Dense` does both: its ``penalty()`` returns the term
(`Sequential` sums them into the loss) and its backward adds the gradient.

>>> import numpy as np
>>> L2(0.5)(np.array([[1.0, -2.0]]))            # 0.5 * (1 + 4)
2.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_float


class L1L2:
    """``l1 * sum(|W|) + l2 * sum(W**2)``, with gradient ``l1 * sign(W) + 2 * l2 * W``.

    The ``sign`` at exactly 0 is 0 (a subgradient of ``|w|``). Decoupled weight
    decay (`tinyframe.optimizers.AdamW`) is the alternative for adaptive optimizers:
    there the L2 gradient gets rescaled per parameter, decay does not.

    Args:
        l1: weight of the L1 term, >= 0.
        l2: weight of the L2 term, >= 0 (Keras's convention: no 1/2 in front).
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = check_float(l1, "l1", type(self).__name__, low_open=False, high_open=True)
        self.l2 = check_float(l2, "l2", type(self).__name__, low_open=False, high_open=True)

    def __call__(self, W: np.ndarray) -> float:
        """The penalty for weights ``W`` (any shape), a Python float."""
        value = 0.0
        if self.l1:
            value += self.l1 * float(np.abs(W).sum())
        if self.l2:
            value += self.l2 * float(np.vdot(W, W))
        return value

    def add_gradient(self, W: np.ndarray, grad: np.ndarray, scratch: np.ndarray) -> None:
        """``grad += d penalty / dW``, in place; ``scratch`` is a work array like ``W``."""
        if self.l1:
            np.sign(W, out=scratch)
            scratch *= self.l1
            grad += scratch
        if self.l2:
            np.multiply(W, 2.0 * self.l2, out=scratch)
            grad += scratch

    def get_config(self) -> dict[str, float]:
        return {"l1": self.l1, "l2": self.l2}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class L1(L1L2):
    """``l1 * sum(|W|)``: pushes weights to exactly 0 (sparse weights). Keras's default ``l1=0.01``."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, float]:
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(W**2)``: weight decay for gradient descent. Keras's default ``l2=0.01``.

    Example:
        >>> from tinyframe.layers import Dense
        >>> Dense(64, 30, kernel_regularizer=L2(1e-4))
        Dense(64, 30, kernel_regularizer=L2(l2=0.0001))
    """

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, float]:
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2  # Keras's lowercase aliases: regularizers.l2(1e-4)

_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier: Any) -> L1L2 | None:
    """A regulariser from None, an instance, a name (``"l2"``: default strength) or a `serialize` dict."""
    if identifier is None or isinstance(identifier, L1L2):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_NAME:
        config = identifier.get("config", {})
        if not isinstance(config, dict):
            raise ValueError(f"Regularizer config must be a dict. Received: {config!r}")
        return _BY_NAME[identifier["class_name"]](**config)
    raise ValueError(
        "Unknown regularizer: expected None, an L1/L2/L1L2 instance, one of "
        f"{sorted(_BY_NAME)} or {{'class_name': ..., 'config': {{...}}}}. Received: {identifier!r}"
    )


def serialize(regularizer: L1L2 | None) -> dict[str, Any] | None:
    """JSON-friendly form that `get` turns back into an equal regulariser."""
    if regularizer is None:
        return None
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
