"""Scratch arrays owned by one call (or by one model's training), never by a layer.

A layer asks for work arrays with ``self.buffer(name, shape)``; *who owns them* is
decided by whoever drives the call, through a context variable:

* ``fit`` enters the model's training `Scratch`: the same arrays come back step
  after step, so a training step allocates nothing. `fit` owns the model while it
  runs (`tinyframe._ownership`), so nothing else uses those arrays meanwhile.
* ``predict`` and ``evaluate`` enter a new `Scratch` for each call: concurrent
  calls (threads) never share a work array, and the arrays die with the call.
* Outside both (a layer or loss used on its own), every request is a new array.

A `Scratch` never evicts an entry while it is in use: a backward always finds the
arrays its forward wrote. The training scratch is emptied only between two fits
(`Scratch.trim`), when no step is in flight.

>>> import numpy as np
>>> owner = object()
>>> with Scratch() as scratch:
...     a = buffer(owner, "z", (2, 3), np.float32)
...     a is buffer(owner, "z", (2, 3), np.float32)
True
>>> buffer(owner, "z", (2, 3), np.float32) is a        # outside: a new array every time
False
"""

from __future__ import annotations

from collections.abc import Hashable
from contextvars import ContextVar
from typing import Any

import numpy as np

CURRENT: ContextVar[Scratch | None] = ContextVar("tinyframe_scratch", default=None)
_TRIM_ABOVE = 256  # entries a training scratch may keep from one fit to the next


class Scratch:
    """Work arrays keyed by (id(owner), name, shape, dtype); entered with ``with`` to become current."""

    __slots__ = ("arrays", "children", "_tokens")

    def __init__(self) -> None:
        self.arrays: dict[tuple, np.ndarray] = {}  # (id(owner), name, shape, dtype) -> array
        self.children: dict[Hashable, Scratch] = {}  # key -> the Scratch of one call of a shared layer (child)
        self._tokens: list = []

    def child(self, key: Hashable) -> Scratch:
        """The Scratch under ``key`` inside this one: a shared layer's arrays, one set per call of it.

        A layer called at two nodes of a model asks for the same buffer names at both; each
        node entering its own child (``("node", id(node))``, ``("call", id(layer), k)``) keeps the
        first node's outputs from being overwritten.
        """
        try:
            return self.children[key]
        except KeyError:
            child = self.children[key] = Scratch()
            return child

    def get(self, owner: Any, name: Hashable, shape: tuple[int, ...], dtype: Any, fill: float | None = None):
        key = (id(owner), name, shape, dtype)  # id: a custom owner may be unhashable
        try:
            return self.arrays[key]
        except KeyError:
            buf = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
            self.arrays[key] = buf
            return buf

    def trim(self) -> None:
        """Forget every array if many have piled up (call only when no step is in flight)."""
        if len(self.arrays) + sum(len(c.arrays) for c in self.children.values()) > _TRIM_ABOVE:
            self.arrays.clear()
            self.children.clear()

    def __enter__(self) -> Scratch:
        self._tokens.append(CURRENT.set(self))
        return self

    def __exit__(self, *exc: object) -> None:
        CURRENT.reset(self._tokens.pop())

    def __reduce__(self):
        # Scratch is not state: a pickled (or deep-copied) owner starts with an empty one,
        # which also keeps it from inheriting read-only arrays (joblib loads pickles as memmaps).
        return (Scratch, ())


def buffer(owner: Any, name: Hashable, shape: tuple[int, ...], dtype: Any, fill: float | None = None) -> np.ndarray:
    """A work array for ``owner`` from the current `Scratch`, or a new one outside any."""
    scratch = CURRENT.get()
    if scratch is None:
        return np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
    return scratch.get(owner, name, shape, dtype, fill)
