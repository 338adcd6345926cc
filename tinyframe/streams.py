"""Data that comes in batches: Python generators and iterators, and Keras's ``PyDataset``.

``model.fit(generator, steps_per_epoch=..., epochs=...)`` as Keras takes it: each item is a
batch ``(x, y)`` or ``(x, y, sample_weight)`` (``x`` alone for ``predict``), checked and cast
like arrays given to `fit`. A `PyDataset` (Keras's class, here with the same contract)
gives batch ``i`` as ``dataset[i]`` for ``i < len(dataset)``, and hears ``on_epoch_end()``
after each epoch (where a dataset reshuffles itself).

Choices (Keras's, written down):

- Steps per epoch: ``steps_per_epoch`` if given, else ``len(dataset)`` for a PyDataset, else
  until a generator is exhausted. A generator that runs dry later ends training with a
  warning (Keras: "Your input ran out of data"), keeping every finished epoch; one that
  yields nothing at all is refused before anything changes.
- ``shuffle=True`` draws a new order of a PyDataset's batch indices each epoch from the
  model's Generator; a generator's order is its own.
- ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted (Keras code passes
  them) and batches are read in the training thread: NumPy's kernels already use the cores.

Example:
    >>> import numpy as np
    >>> class Squares(PyDataset):
    ...     def __len__(self):
    ...         return 3
    ...     def __getitem__(self, i):
    ...         x = np.full((4, 1), float(i))
    ...         return x, x**2
    >>> batches = Stream(Squares(), None, False, None, "fit")
    >>> [float(y[0, 0]) for _, y, _ in batches.epoch()]
    [0.0, 1.0, 4.0]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._checks import check_positive_int


class PyDataset:
    """Keras's ``keras.utils.PyDataset``: batches by index, for data that is not one array in memory.

    Subclass it and implement ``__len__`` (the number of batches) and ``__getitem__(index)``
    (batch ``index``: ``(x, y)`` or ``(x, y, sample_weight)``, or ``x`` for `predict`);
    ``on_epoch_begin``/``on_epoch_end`` are called around each epoch of `fit`.

    Args:
        workers, use_multiprocessing, max_queue_size: Keras's; accepted and kept (batches are
            read in the training thread here).

    Example:
        >>> import numpy as np
        >>> class Rows(PyDataset):
        ...     def __init__(self, X, y, batch_size, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.X, self.y, self.batch_size = X, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.X) // self.batch_size)
        ...     def __getitem__(self, i):
        ...         rows = slice(i * self.batch_size, (i + 1) * self.batch_size)
        ...         return self.X[rows], self.y[rows]
        >>> len(Rows(np.zeros((10, 2)), np.zeros(10), batch_size=4))
        3
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self.workers = check_positive_int(workers, "workers", "PyDataset")
        if not isinstance(use_multiprocessing, (bool, np.bool_)):
            raise TypeError(f"PyDataset: use_multiprocessing must be True or False. Received: {use_multiprocessing!r}")
        self.use_multiprocessing = bool(use_multiprocessing)
        self.max_queue_size = check_positive_int(max_queue_size, "max_queue_size", "PyDataset")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index): batch number index")

    @property
    def num_batches(self) -> int | None:
        """``len(self)``: the batches of one epoch (None: no end, as Keras reads it)."""
        return len(self) if hasattr(self, "__len__") else None

    def on_epoch_begin(self) -> None:
        """Called before each epoch of `fit`."""

    def on_epoch_end(self) -> None:
        """Called after each epoch of `fit` (reshuffle here)."""


Sequence = PyDataset  # Keras 2's name (keras.utils.Sequence)


def is_stream(x: Any) -> bool:
    """Whether ``x`` is data in batches: a `PyDataset` or an iterator (a generator, ``iter(...)``, ``map``)."""
    if type(x) is np.ndarray:  # the usual case, answered before any isinstance of an ABC
        return False
    return isinstance(x, PyDataset) or isinstance(x, Iterator)


class Stream:
    """The batches ``(x, y, sample_weight)`` of one epoch at a time, from a generator or a `PyDataset`.

    ``steps``: batches per epoch (``steps_per_epoch``, else ``len(dataset)``, else None: until the
    generator is exhausted). `first` reads the first batch without using it up, so that a
    model can check it (and build from it) before anything changes. After an epoch,
    ``ran_dry`` says whether the source ended before ``steps`` batches.
    """

    def __init__(self, source: Any, steps: Any, shuffle: bool, rng: np.random.Generator | None, what: str) -> None:
        self.source, self.shuffle, self.rng, self.what = source, shuffle, rng, what
        if steps is not None:
            steps = check_positive_int(steps, "steps_per_epoch" if what == "fit" else "steps", what)
        if isinstance(source, PyDataset):
            count = source.num_batches
            if count is not None and (not isinstance(count, (int, np.integer)) or count < 0):
                raise TypeError(f"{what}: len() of a PyDataset must be a number of batches >= 0. Received: {count!r}")
            steps = count if steps is None else steps if count is None else min(steps, count)
        self.steps: int | None = steps
        self.samples = None  # unknown until read
        self.ran_dry = False
        self._peeked: list[Any] = []

    def first(self) -> Any:
        """The first batch as the source gives it (a generator's is kept for the first epoch)."""
        if isinstance(self.source, PyDataset):
            if self.steps == 0:
                raise ValueError(f"{self.what}: the PyDataset has no batches (len() is 0)")
            return self.source[0]
        if not self._peeked:
            try:
                self._peeked.append(next(self.source))
            except StopIteration:
                raise ValueError(
                    f"{self.what}: the generator yielded no batch; it must yield (x, y) or (x, y, sample_weight) "
                    "batches (x alone for predict)"
                ) from None
        return self._peeked[0]

    def epoch(self) -> Iterator[tuple[Any, Any, Any]]:
        """The batches of one epoch, each unpacked as ``(x, y, sample_weight)`` (y and weights None if absent)."""
        self.ran_dry = False
        if isinstance(self.source, PyDataset):
            yield from self._dataset_epoch()
            return
        steps = itertools.count() if self.steps is None else range(self.steps)
        for k in steps:
            if self._peeked:
                batch = self._peeked.pop()
            else:
                try:
                    batch = next(self.source)
                except StopIteration:
                    self.ran_dry = self.steps is not None or k == 0
                    return
            yield unpack(batch, self.what)

    def _dataset_epoch(self) -> Iterator[tuple[Any, Any, Any]]:
        dataset = self.source
        dataset.on_epoch_begin()
        count = self.steps
        if count is None:  # no length: batches until __getitem__ raises IndexError, as a sequence ends
            indices: Any = itertools.count()
        else:
            indices = self.rng.permutation(count) if self.shuffle and self.rng is not None else range(count)
        for i in indices:
            try:
                batch = dataset[int(i)]
            except IndexError:
                if count is not None:
                    raise
                return
            yield unpack(batch, self.what)
        dataset.on_epoch_end()


def unpack(batch: Any, what: str) -> tuple[Any, Any, Any]:
    """``(x, y, sample_weight)`` of one batch: a tuple of 1 to 3 items, or ``x`` alone (Keras's rule)."""
    if isinstance(batch, tuple):
        if not 1 <= len(batch) <= 3:
            raise ValueError(
                f"{what}: each batch must be (x,), (x, y) or (x, y, sample_weight). Received: a tuple of {len(batch)}"
            )
        return (*batch, *([None] * (3 - len(batch))))
    return batch, None, None
