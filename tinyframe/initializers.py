"""Weight initialisers: ``init(shape, rng, dtype) -> array``.

Each draws from the model's Generator in float64 and casts, so a float32 model
starts from exactly the float32 rounding of the float64 model's weights.
Choose one by name (``Dense(3, 2, kernel_initializer="he_normal")``) or pass any
callable with the same signature.

>>> import numpy as np
>>> glorot_uniform((64, 30), np.random.default_rng(0), "float32").dtype
dtype('float32')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Initializer = Callable[[tuple[int, ...], np.random.Generator, Any], np.ndarray]


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a kernel of any shape, Keras's rule.

    A ``(in, out)`` matrix has ``(in, out)``; a convolution kernel
    ``(*receptive_field, in_channels, out_channels)`` has ``in_channels * r`` and
    ``out_channels * r`` with ``r`` the number of positions of the receptive field;
    a vector of ``n`` counts ``n`` for both, a scalar 1.

    >>> fans((64, 30)), fans((5, 1, 25)), fans((3, 3, 16, 32)), fans((7,))
    ((64, 30), (5, 125), (144, 288), (7, 7))
    """
    if len(shape) < 2:
        n = shape[0] if shape else 1
        return n, n
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def zeros(shape, rng, dtype) -> np.ndarray:
    return np.zeros(shape, dtype)


def ones(shape, rng, dtype) -> np.ndarray:
    return np.ones(shape, dtype)


def random_sample(shape, rng, dtype) -> np.ndarray:
    """The article's init: uniform on [0, 1), as ``numpy.random.random_sample``."""
    return rng.random(shape).astype(dtype)


def uniform(shape, rng, dtype, low: float = -0.05, high: float = 0.05) -> np.ndarray:
    """Uniform on [low, high) (Keras ``RandomUniform`` defaults)."""
    return rng.uniform(low, high, shape).astype(dtype)


def normal(shape, rng, dtype, mean: float = 0.0, stddev: float = 0.05) -> np.ndarray:
    """Normal(mean, stddev) (Keras ``RandomNormal`` defaults)."""
    return rng.normal(mean, stddev, shape).astype(dtype)


def glorot_uniform(shape, rng, dtype) -> np.ndarray:
    """U(-l, l) with l = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = fans(shape)
    limit = np.sqrt(6.0 / max(1, fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(dtype)


def glorot_normal(shape, rng, dtype) -> np.ndarray:
    """N(0, 2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    return rng.normal(0.0, np.sqrt(2.0 / max(1, fan_in + fan_out)), shape).astype(dtype)


def he_uniform(shape, rng, dtype) -> np.ndarray:
    """U(-l, l) with l = sqrt(6 / fan_in) (He et al., 2015), for ReLU networks."""
    fan_in, _ = fans(shape)
    limit = np.sqrt(6.0 / max(1, fan_in))
    return rng.uniform(-limit, limit, shape).astype(dtype)


def he_normal(shape, rng, dtype) -> np.ndarray:
    """N(0, 2 / fan_in)."""
    fan_in, _ = fans(shape)
    return rng.normal(0.0, np.sqrt(2.0 / max(1, fan_in)), shape).astype(dtype)


def orthogonal(shape, rng, dtype, gain: float = 1.0) -> np.ndarray:
    """A matrix with orthonormal columns (or rows, if it is wide), Keras's ``Orthogonal``; recurrent kernels.

    The shape is read as a matrix of ``rows = prod(shape[:-1])`` and ``cols = shape[-1]``.
    ``A`` of shape ``(max(rows, cols), min(rows, cols))`` is drawn from N(0, 1) and
    factored ``A = Q R``; the columns of ``Q`` are multiplied by ``sign(diag(R))`` so that
    the result is uniform over orthogonal matrices (Q alone is not: its signs follow
    the QR routine's convention). A wide shape takes ``Q.T``. Times ``gain``.

    >>> q = orthogonal((4, 4), np.random.default_rng(0), "float64")
    >>> bool(np.allclose(q.T @ q, np.eye(4)))
    True
    """
    if len(shape) < 2:
        raise ValueError(f"orthogonal: the shape must have at least 2 axes. Received: shape={tuple(shape)}")
    rows, cols = math.prod(shape[:-1]), shape[-1]
    q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(dtype)


_BY_NAME: dict[str, Initializer] = {
    f.__name__: f
    for f in (
        zeros,
        ones,
        random_sample,
        uniform,
        normal,
        glorot_uniform,
        glorot_normal,
        he_uniform,
        he_normal,
        orthogonal,
    )
}


# Keras's other spellings of the same initialisers: its function names and its class names.
_KERAS_NAMES = {"random_normal": normal, "random_uniform": uniform, "RandomNormal": normal, "RandomUniform": uniform}
_KERAS_NAMES.update({"".join(w.capitalize() for w in name.split("_")): f for name, f in _BY_NAME.items()})


def get(identifier: str | Initializer) -> Initializer:
    """The initialiser called ``identifier``, or ``identifier`` itself if callable.

    Keras's names work too: ``"random_normal"``, ``"random_uniform"``, and the class names
    (``"GlorotUniform"``, ``"HeNormal"``, ``"Zeros"``, ...) of the same initialisers.

    >>> get("random_normal") is normal and get("GlorotUniform") is glorot_uniform
    True
    """
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    if isinstance(identifier, str) and identifier in _KERAS_NAMES:
        return _KERAS_NAMES[identifier]
    raise ValueError(f"Unknown initializer: expected one of {sorted(_BY_NAME)} or a callable. Received: {identifier!r}")
