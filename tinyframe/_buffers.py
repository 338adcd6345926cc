"""Scratch arrays reused across calls, so that a training step allocates nothing."""

from __future__ import annotations

import numpy as np

_MAX_BUFFERS = 16  # distinct (name, shape, dtype) arrays kept before the cache is reset


class Buffers:
    """A small cache of ``np.empty`` arrays keyed by name, shape and dtype.

    >>> buffers = Buffers()
    >>> a = buffers.get("z", (2, 3), "float32")
    >>> a is buffers.get("z", (2, 3), "float32")
    True
    """

    def __init__(self) -> None:
        self._cache: dict[tuple, np.ndarray] = {}

    def __reduce__(self):
        # Scratch is not state: a pickled (or deep-copied) owner starts with an empty cache,
        # which also keeps it from inheriting read-only arrays (joblib loads pickles as memmaps).
        return (Buffers, ())

    def get(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        key = (name, shape, dtype)
        buf = self._cache.get(key)
        if buf is None:
            if len(self._cache) >= _MAX_BUFFERS:
                self._cache.clear()
            buf = self._cache[key] = np.empty(shape, dtype)
        return buf
