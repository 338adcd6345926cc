"""Scratch arrays reused across calls, so that a training step allocates nothing."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

_MAX_BUFFERS = 16  # distinct (name, shape, dtype) arrays kept before the cache is reset


class Buffers:
    """A small cache of work arrays keyed by name, shape and dtype.

    ``get`` returns the same array for the same key on every call, created on the
    first with ``np.empty`` (or ``np.full`` when ``fill`` is given: a constant
    array, such as a vector of ones, is filled once, not on every call).

    >>> buffers = Buffers()
    >>> a = buffers.get("z", (2, 3), "float32")
    >>> a is buffers.get("z", (2, 3), "float32")
    True
    >>> buffers.get("ones", (3,), "float64", fill=1.0)
    array([1., 1., 1.])
    """

    def __init__(self) -> None:
        self._cache: dict[tuple, np.ndarray] = {}

    def __reduce__(self):
        # Scratch is not state: a pickled (or deep-copied) owner starts with an empty cache,
        # which also keeps it from inheriting read-only arrays (joblib loads pickles as memmaps).
        return (Buffers, ())

    def get(self, name: Hashable, shape: tuple[int, ...], dtype, fill: float | None = None) -> np.ndarray:
        # The hit path is one dict lookup: it runs ~15 times per training step.
        try:
            return self._cache[name, shape, dtype]
        except KeyError:
            pass
        if len(self._cache) >= _MAX_BUFFERS:
            self._cache.clear()
        buf = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
        self._cache[name, shape, dtype] = buf
        return buf
