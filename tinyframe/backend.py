"""Keras's ``keras.backend`` helpers that keras.io code calls: ``epsilon()`` and ``floatx()``.

>>> epsilon(), floatx()
(1e-07, 'float32')
"""

from __future__ import annotations

__all__ = ["epsilon", "floatx", "backend"]


def epsilon() -> float:
    """Keras's fuzz factor, 1e-7 (as in Keras 3), for code such as ``ops.maximum(x, keras.backend.epsilon())``."""
    return 1e-7


def floatx() -> str:
    """The default dtype of models, ``"float32"`` (each model takes its own: ``Model(..., dtype="float64")``)."""
    return "float32"


def backend() -> str:
    """The name of the computing library: ``"numpy"``."""
    return "numpy"
