"""Who may use a model's objects right now: many inference calls at once, or one fit.

`fit` (and, briefly, `set_weights` and `compile`) change what they use: the layers' parameters, their
gradients and what each layer keeps from forward for backward, the loss, the
optimizer's state. Inference only reads parameters. So:

* `reading(objects)`: ``predict``, ``evaluate``, ``get_weights``, ``save``. Any
  number at once, from any threads. One that meets a `fit` running in *another*
  thread raises `RuntimeError` (a fit can last hours: waiting would hide the
  conflict); one that meets a short `set_weights` or `compile` waits for it.
* `writing(objects, "fit")`: exclusive. It raises `RuntimeError` if another writer
  holds any of the objects (a second fit of the same model, or of a model sharing a
  layer, loss or optimizer), waits for inference calls in flight to finish, and
  refuses new ones from other threads until it ends. The thread that holds it may
  still read (a callback calling ``predict`` or ``evaluate`` inside ``fit``).

The bookkeeping is keyed by ``id(obj)`` in one module-level table (entries vanish
when idle), so nothing is stored on the objects and pickling is unaffected.

>>> class Thing: pass
>>> t = Thing()
>>> with writing([t], "fit"), reading([t], "predict"):   # the same thread may read
...     pass
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

_CONDITION = threading.Condition()
_WRITERS: dict[int, tuple[int, str]] = {}  # id(obj) -> (thread ident, "fit" or "set_weights")
_READERS: dict[int, int] = {}  # id(obj) -> inference calls in flight


def _describe(obj: Any) -> str:
    return f"{type(obj).__name__} at {id(obj):#x}"


class reading:
    """Hold ``objects`` for an inference call named ``what`` (shared with other readers); a ``with`` block."""

    __slots__ = ("_objects", "_what")

    def __init__(self, objects: Iterable[Any], what: str) -> None:
        self._objects, self._what = list(objects), what

    def __enter__(self) -> None:
        me = threading.get_ident()
        with _CONDITION:
            while _WRITERS:
                busy = [(obj, _WRITERS[id(obj)]) for obj in self._objects if id(obj) in _WRITERS]
                busy = [(obj, holder) for obj, holder in busy if holder[0] != me]
                if not busy:
                    break
                obj, (_, kind) = busy[0]
                if kind == "fit":
                    raise RuntimeError(
                        f"{self._what}: the model is being trained by fit in another thread (it holds "
                        f"{_describe(obj)}). fit owns the model while it runs: predict on a copy "
                        "(copy.deepcopy(model) or load_model of a checkpoint), or wait for fit to return"
                    )
                _CONDITION.wait()
            for obj in self._objects:
                _READERS[id(obj)] = _READERS.get(id(obj), 0) + 1

    def __exit__(self, *exc: object) -> None:
        with _CONDITION:
            for obj in self._objects:
                left = _READERS[id(obj)] - 1
                if left:
                    _READERS[id(obj)] = left
                else:
                    del _READERS[id(obj)]
            if _WRITERS:
                _CONDITION.notify_all()


_NESTABLE = ("set_weights", "model(x, training=True)")  # what a callback of this thread's fit may do


class writing:
    """Hold ``objects`` exclusively for ``what`` (``"fit"``, ``"compile"``, ``"set_weights"``); a ``with`` block.

    ``set_weights`` inside this thread's own fit (EarlyStopping restoring the best
    weights) is allowed, and so is ``model(x, training=True)``; ``fit`` or ``compile``
    inside it are refused.
    """

    __slots__ = ("_objects", "_what", "_nested")

    def __init__(self, objects: Iterable[Any], what: str) -> None:
        self._objects = list({id(obj): obj for obj in objects}.values())
        self._what, self._nested = what, False

    def __enter__(self) -> None:
        me = threading.get_ident()
        keys = [id(obj) for obj in self._objects]
        with _CONDITION:
            if self._what in _NESTABLE and all(_WRITERS.get(key, (None,))[0] == me for key in keys):
                self._nested = True  # set_weights (or a training call) from a callback of this thread's fit
                return
            for obj in self._objects:
                if id(obj) in _WRITERS:
                    thread, kind = _WRITERS[id(obj)]
                    where = "this thread (a callback?)" if thread == me else "another thread"
                    raise RuntimeError(
                        f"{self._what}: {_describe(obj)} is already in use by {kind} in {where}; a model (and each "
                        "of its layers, its loss and its optimizer) can be changed by one fit or set_weights at a time"
                    )
            _WRITERS.update(dict.fromkeys(keys, (me, self._what)))  # one call: no Ctrl-C between two keys
            # Inference already in flight finishes first; new inference from other threads is refused or waits.
            try:
                while any(key in _READERS for key in keys):
                    _CONDITION.wait()
            except BaseException:  # a Ctrl-C while waiting: the claim is given back, the model stays usable
                list(map(_WRITERS.pop, keys))
                _CONDITION.notify_all()
                raise

    def __exit__(self, *exc: object) -> None:
        if self._nested:
            return
        with _CONDITION:
            list(map(_WRITERS.pop, [id(obj) for obj in self._objects]))  # in C: no Ctrl-C between two keys
            _CONDITION.notify_all()
