"""Keras's ``keras.ops`` for a layer's ``call``: array operations that are recorded, each with its own backward.

Inside a subclassed model's or a custom layer's ``call`` these run on the arrays and are
recorded like layer calls, so the model trains through them; on symbolic tensors (the
functional API) they add a node to the graph; on plain arrays elsewhere they just compute.
A layer's weights (``self.add_weight``) may be operands: they get their gradient. Python
numbers and outside arrays are constants. The arithmetic operators on recorded arrays
(``x + y``, ``x * 2``, ``x @ w``, ``-x``, ``x ** 2``) are these ops too.

>>> import numpy as np
>>> from tinyframe import ops
>>> ops.mean(ops.square(np.array([[1.0, 3.0]])), axis=-1)
array([5.])
"""

from __future__ import annotations

from typing import Any

from .elementwise import binary, unary
from .linalg import matmul
from .reduction import reduce, softmax
from .shape import Concatenate, Reshape, Stack, Transpose, one, several

__all__ = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "matmul"]
__all__ += ["exp", "log", "sqrt", "square", "abs", "negative", "relu", "sigmoid", "tanh", "softplus", "softmax"]
__all__ += ["sum", "mean", "max", "min", "reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack"]


def add(x1: Any, x2: Any) -> Any:
    """``x1 + x2`` with NumPy's broadcasting."""
    return binary("add", x1, x2)


def subtract(x1: Any, x2: Any) -> Any:
    """``x1 - x2``."""
    return binary("subtract", x1, x2)


def multiply(x1: Any, x2: Any) -> Any:
    """``x1 * x2``."""
    return binary("multiply", x1, x2)


def divide(x1: Any, x2: Any) -> Any:
    """``x1 / x2``."""
    return binary("divide", x1, x2)


def maximum(x1: Any, x2: Any) -> Any:
    """The larger of ``x1`` and ``x2``, elementwise (the gradient goes to the larger; ties to ``x1``)."""
    return binary("maximum", x1, x2)


def minimum(x1: Any, x2: Any) -> Any:
    """The smaller of ``x1`` and ``x2``, elementwise (ties to ``x1``)."""
    return binary("minimum", x1, x2)


def power(x1: Any, x2: Any) -> Any:
    """``x1 ** x2``."""
    return binary("power", x1, x2)


def exp(x: Any) -> Any:
    return unary("exp", x)


def log(x: Any) -> Any:
    return unary("log", x)


def sqrt(x: Any) -> Any:
    return unary("sqrt", x)


def square(x: Any) -> Any:
    return unary("square", x)


def abs(x: Any) -> Any:  # noqa: A001 (Keras's name)
    return unary("abs", x)


def negative(x: Any) -> Any:
    return unary("negative", x)


def relu(x: Any) -> Any:
    return unary("relu", x)


def sigmoid(x: Any) -> Any:
    return unary("sigmoid", x)


def tanh(x: Any) -> Any:
    return unary("tanh", x)


def softplus(x: Any) -> Any:
    return unary("softplus", x)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001 (Keras's name)
    return reduce("sum", x, axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return reduce("mean", x, axis, keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001 (Keras's name)
    return reduce("max", x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001 (Keras's name)
    return reduce("min", x, axis, keepdims)


def reshape(x: Any, newshape: Any) -> Any:
    """Keras's ``ops.reshape``: the new shape counts the batch axis (``-1`` or ``None`` for it)."""
    return one(Reshape(newshape), x)


def transpose(x: Any, axes: Any = None) -> Any:
    return one(Transpose(axes), x)


def expand_dims(x: Any, axis: int) -> Any:
    import numpy as np

    shape = list(np.shape(x) if not hasattr(x, "sample_shape") else x.shape)
    shape.insert(axis if axis >= 0 else len(shape) + axis + 1, 1)
    return reshape(x, [-1 if d is None else d for d in shape])


def squeeze(x: Any, axis: Any = None) -> Any:
    import numpy as np

    shape = list(np.shape(x) if not hasattr(x, "sample_shape") else x.shape)
    axes = [axis] if isinstance(axis, int) else list(axis) if axis is not None else None
    keep = [d for i, d in enumerate(shape) if not (d == 1 and (axes is None or i in axes or i - len(shape) in axes))]
    return reshape(x, [-1 if d is None else d for d in keep])


def concatenate(xs: Any, axis: int = 0) -> Any:
    """Keras's ``ops.concatenate`` (``axis=0`` by default, as Keras's; the batch axis is 0)."""
    return several(Concatenate(axis), xs)


def stack(xs: Any, axis: int = 0) -> Any:
    return several(Stack(axis), xs)


# Arrays made from nothing recorded: constants (Keras's ops.ones((2, 2)) as a layer's test input, for one).
def ones(shape: Any, dtype: Any = "float32") -> Any:
    import numpy as np

    return np.ones(shape, dtype)


def zeros(shape: Any, dtype: Any = "float32") -> Any:
    import numpy as np

    return np.zeros(shape, dtype)


def full(shape: Any, fill_value: float, dtype: Any = "float32") -> Any:
    import numpy as np

    return np.full(shape, fill_value, dtype)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Any:
    """Keras's ``ops.arange``: ``start, start + step, ...`` below ``stop``, a constant (integers for integer
    arguments): positions ``0 ... T - 1`` for a position embedding, say (a layer called on it is recorded)."""
    import numpy as np

    return np.arange(start, stop, step, dtype=dtype) if stop is not None else np.arange(start, dtype=dtype)


def convert_to_tensor(x: Any, dtype: Any = None) -> Any:
    """Keras's ``ops.convert_to_tensor``: here, a NumPy array (a recorded array is returned as it is)."""
    import numpy as np

    return x if isinstance(x, np.ndarray) and dtype is None else np.asarray(x, dtype=dtype)


def shape(x: Any) -> tuple:
    """Keras's ``ops.shape``: the shape of an array, or of a symbolic tensor (``None`` for the batch)."""
    import numpy as np

    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


__all__ += ["ones", "zeros", "full", "arange", "convert_to_tensor", "shape"]
