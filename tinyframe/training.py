"""What `fit` trains on: its arguments and data checked, the validation split, the batches of an epoch.

The loop itself is the model's (`tinyframe.trainer.Trainer`); this module asks of a model
only what every model offers: ``check_input``, ``check_targets``, ``compute_output_shape``,
``output_shape``, ``built``, ``build``, ``dtype`` and ``rng``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import data
from ._checks import check_float, check_positive_int
from ._mapped import RELEASE_EVERY, FilePages, FileRows
from ._scratch import Scratch
from .callbacks.base import Callback
from .callbacks.history import History
from .streams import Stream, unpack


class DivergenceWarning(UserWarning):
    """Training stopped because the loss became NaN or infinite."""


@dataclass
class TrainingData:
    """What `fit` trains on, checked and cast: inputs, one-hot targets, sample weights (None: all 1)."""

    X: np.ndarray | list[np.ndarray]  # a list for a model of several inputs
    Y: np.ndarray
    W: np.ndarray | None = None
    X_val: np.ndarray | list[np.ndarray] | None = None
    Y_val: np.ndarray | None = None
    W_val: np.ndarray | None = None


def checked_arguments(
    epochs: Any, batch_size: Any, verbose: Any, shuffle: Any, validation_split: Any, callbacks: Any, initial_epoch: Any
) -> tuple[int, int | None, int, float, list[Callback]]:
    """`fit`'s arguments other than the data, checked before anything happens."""
    epochs = check_positive_int(epochs, "epochs", "fit")
    initial_epoch = check_positive_int(initial_epoch, "initial_epoch", "fit", allow_zero=True)
    if initial_epoch >= epochs:
        raise ValueError(f"fit: initial_epoch must be smaller than epochs. Received: {initial_epoch} and {epochs}")
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size", "fit")
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"fit: verbose must be 0, 1 or 2. Received: verbose={verbose!r}")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"fit: shuffle must be True or False. Received: shuffle={shuffle!r}")
    validation_split = check_float(
        validation_split, "validation_split", "fit", 0.0, 1.0, low_open=False, high_open=True
    )
    return epochs, batch_size, initial_epoch, validation_split, checked_callbacks(callbacks)


def checked_callbacks(callbacks: Any, owner: str = "fit") -> list[Callback]:
    """A list of `Callback` s; a single callback is taken as a list of one (as Keras 3 does)."""
    if isinstance(callbacks, Callback):
        return [callbacks]
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"{owner}: callbacks must be a list of Callback instances. Received: {callbacks!r}")
    callbacks = list(callbacks or [])
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError(f"{owner}: callbacks must be Callback instances. Received: {callback!r}")
    return callbacks


def checked_batch(model: Any, X: Any, y: Any, sample_weight: Any, class_weight: Any, names: tuple = ("X", "y")):
    """``(X, Y, W)`` checked and cast against the model's shapes, without building it (nothing changes)."""
    X = model.check_input(X, names[0], build=False)
    if isinstance(model.output_shape, list) or (model.built and isinstance(X, list)):
        Y = model.check_targets(y, data.n_samples(X), names[1])  # several outputs: the model says what it takes
    else:
        output_shape = model.output_shape if model.built else model.compute_output_shape(X.shape[1:])
        Y = data.prepare_targets(y, data.n_samples(X), output_shape, model.dtype, names[1])
    if isinstance(Y, list) and class_weight is not None:
        raise ValueError(
            f"fit: class_weight is for a model of one output; this one has {len(Y)}. Use sample_weight. "
            f"Received: class_weight={class_weight!r}"
        )
    first = Y[0] if isinstance(Y, list) else Y
    W = data.sample_weights(sample_weight, class_weight, first, model.dtype, f"sample_weight of {names[0]}")
    return X, Y, W


def training_data(
    model: Any, X: Any, y: Any, sample_weight: Any, class_weight: Any, validation_data: Any, validation_split: float
) -> TrainingData:
    """Every array checked (the model built from ``X`` if it was not) before anything changes."""
    checked = TrainingData(*checked_batch(model, X, y, sample_weight, class_weight))
    if validation_data is not None:
        X_val, Y_val, W_val = checked_validation(model, validation_data, data.sample_shapes(checked.X))
        checked.X_val, checked.Y_val, checked.W_val = X_val, Y_val, W_val
    elif validation_split > 0:
        data.validation_count(data.n_samples(checked.X), validation_split)  # a split leaving a side empty: refused now
    if not model.built:
        model.build(data.sample_shapes(checked.X))
    return checked


def checked_validation(model: Any, validation_data: Any, sample_shapes: Any = None) -> tuple[Any, Any, Any]:
    """``(X_val, Y_val, W_val)`` from fit's ``validation_data`` tuple, checked like the training data."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        got = (
            f"a {type(validation_data).__name__} of {len(validation_data)} items"
            if isinstance(validation_data, (tuple, list))
            else repr(type(validation_data).__name__)
        )
        raise TypeError(
            "fit: validation_data must be a tuple (X_val, y_val[, sample_weight_val]), or a generator or "
            f"PyDataset of such batches. Received: {got}"
        )
    X_val, y_val, *w_val = validation_data
    X_val, Y_val, W_val = checked_batch(model, X_val, y_val, (w_val or [None])[0], None, ("X_val", "y_val"))
    shapes = data.sample_shapes(model.check_input(X_val, "X_val")) if sample_shapes is None else sample_shapes
    if data.sample_shapes(X_val) != shapes:
        raise ValueError(
            f"fit: X_val must have the shape of X's samples, {shapes}. Received: {data.sample_shapes(X_val)}"
        )
    return X_val, Y_val, W_val


def check_stream_arguments(y: Any, sample_weight: Any, validation_split: Any, batch_size: Any) -> None:
    """What fit refuses with data in batches (a generator, a PyDataset): the batches carry y and weights."""
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(
                f"fit: {name} is not given with data in batches (a generator or a PyDataset): each batch is "
                f"(x, y) or (x, y, sample_weight), as in Keras. Received: {name} as well"
            )
    if validation_split:
        raise ValueError(
            "fit: validation_split needs arrays (it holds out rows); with data in batches, give validation_data. "
            f"Received: validation_split={validation_split!r}"
        )


class StreamBatches:
    """The checked batches ``(x, y, sample_weight)`` of one epoch at a time from a generator or a PyDataset.

    Each batch is checked and cast as arrays given to `fit` are (`checked_batch`). The first is
    read, checked and the model built from it when this is made, before anything changes.
    """

    def __init__(self, model: Any, source: Any, steps: Any, shuffle: bool, class_weight: Any, what: str) -> None:
        self.model, self.class_weight, self.what = model, class_weight, what
        self.stream = Stream(source, steps, shuffle, model.rng, what)
        self.steps, self.samples = self.stream.steps, None
        X, _, _ = self._checked(self.stream.first(), 0)
        if not model.built:
            model.build(data.sample_shapes(X))

    @property
    def ran_dry(self) -> bool:
        return self.stream.ran_dry

    def epoch(self) -> Iterator[tuple[Any, Any, Any]]:
        for k, batch in enumerate(self.stream.epoch()):
            yield self._checked(batch, k)

    def _checked(self, batch: Any, k: int) -> tuple[Any, Any, Any]:
        batch = batch if isinstance(batch, tuple) and len(batch) == 3 else unpack(batch, self.what)
        x, y, w = batch
        if y is None:
            raise ValueError(
                f"{self.what}: each batch must be (x, y) or (x, y, sample_weight); batch {k} has no y. "
                f"Received: {type(x).__name__}"
            )
        return checked_batch(self.model, x, y, w, self.class_weight, (f"x (batch {k})", f"y (batch {k})"))


def split(model: Any, checked: TrainingData, validation_split: float) -> TrainingData:
    """The validation rows held out at random (the model's Generator), when asked and no validation_data is given."""
    if checked.X_val is not None or validation_split == 0:
        return checked
    train, held_out = data.validation_rows(data.n_samples(checked.X), validation_split, model.rng)

    def rows(a: np.ndarray | None, which: np.ndarray) -> np.ndarray | None:
        return None if a is None else a[which]

    X, Y, W = checked.X, checked.Y, checked.W
    return TrainingData(
        data.rows_of(X, train),
        data.rows_of(Y, train),
        rows(W, train),
        data.rows_of(X, held_out),
        data.rows_of(Y, held_out),
        rows(W, held_out),
    )


def history_logs(history: History) -> dict[str, float]:
    """The last finished epoch's logs, as the History holds them ({} before any)."""
    return {key: values[-1] for key, values in history.history.items() if values}


class Batches:
    """Yields ``(X_batch, y_batch)`` for one epoch at a time.

    With shuffling, each epoch draws a permutation of the row *indices* from the
    Generator and gathers one batch at a time into reused buffers, so no shuffled
    copy of X is ever made. Without it, batches are views (slices) of X.

    An X memory-mapped from a file (a shared ``np.memmap``) is streamed without
    filling the resident set (the process's memory in RAM): shuffled batches are read from
    the file with ``preadv``, and the pages an unshuffled pass maps are given back
    every 32 MiB and at the end of the epoch.
    """

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        batch_size: int | None,
        shuffle: bool,
        rng: np.random.Generator,
        W: np.ndarray | None = None,
    ):
        self.samples = n = data.n_samples(X)
        batch_size = n if batch_size is None else min(batch_size, n)
        self.steps = math.ceil(n / batch_size)
        shuffle = shuffle and self.steps > 1  # with one full batch the order cannot matter
        self.ran_dry = False  # arrays never run dry (data in batches may: StreamBatches)
        self.X, self.Y, self.W, self.batch_size, self.shuffle, self.rng = X, Y, W, batch_size, shuffle, rng
        self._scratch = Scratch()  # the gathered batches: owned by this fit call
        several = isinstance(X, list)  # a model of several inputs: one array each, batched alike
        self._file_rows = FileRows.of(X) if shuffle and not several else None
        self._pages = None if shuffle or several else FilePages.of(X)

    def epoch(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """The batches ``(x, y, w)`` of one epoch (a new order drawn now, when shuffling); ``w`` None if unweighted."""
        return self._shuffled(self.rng.permutation(data.n_samples(self.X))) if self.shuffle else self._in_order()

    def _in_order(self):
        X, Y, W, size, pages = self.X, self.Y, self.W, self.batch_size, self._pages
        mapped = 0  # bytes of a memory-mapped X read since its pages were last given back
        for start in range(0, data.n_samples(X), size):
            xb = data.rows_of(X, slice(start, start + size))
            yield xb, data.rows_of(Y, slice(start, start + size)), None if W is None else W[start : start + size]
            if pages is not None:
                mapped += xb.nbytes
                if mapped >= RELEASE_EVERY:
                    pages.release()
                    mapped = 0
        if pages is not None:
            pages.release()

    def _shuffled(self, order: np.ndarray):
        X, Y, size = self.X, self.Y, self.batch_size
        batches = [order[start : start + size] for start in range(0, data.n_samples(X), size)]
        from_file = self._read_ahead(batches) if self._file_rows is not None else None
        if from_file is None and not isinstance(X, list) and not isinstance(Y, list):  # one input, one output
            x_buffer, y_shape, W = self._x_buffer, Y.shape[1:], self.W
            for rows in batches:  # gathered inline: no helper call per array per step
                xb = X.take(rows, axis=0, out=x_buffer(rows.size))
                yb = Y.take(rows, axis=0, out=self._scratch.get(self, "y", (rows.size, *y_shape), Y.dtype))
                yield xb, yb, None if W is None else W.take(rows)
            return
        try:
            for rows in batches:
                xb = self._gathered(self.X, "x", rows) if from_file is None else next(from_file)
                yb = self._gathered(Y, "y", rows)
                yield xb, yb, None if self.W is None else self.W.take(rows)
        finally:
            if from_file is not None:
                from_file.close()  # waits for the read in flight and closes the file

    def _gathered(self, A: np.ndarray | list[np.ndarray], what: str, rows: np.ndarray) -> Any:
        """The rows of ``A`` (of each array, for a list: several inputs or outputs) in this fit's reused buffers."""
        if not isinstance(A, list):
            if what == "x":
                return A.take(rows, axis=0, out=self._x_buffer(rows.size))
            return A.take(rows, axis=0, out=self._scratch.get(self, what, (rows.size, *A.shape[1:]), A.dtype))
        return [
            a.take(rows, axis=0, out=self._scratch.get(self, (what, k), (rows.size, *a.shape[1:]), a.dtype))
            for k, a in enumerate(A)
        ]

    def _x_buffer(self, rows: int, which: int = 0) -> np.ndarray:
        return self._scratch.get(self, ("x", which), (rows, *self.X.shape[1:]), self.X.dtype)

    def _read_ahead(self, batches: list[np.ndarray]) -> Iterator[np.ndarray]:
        """X batches read from the file by a second thread, one batch ahead (two buffers in turn).

        While the model trains on batch k (in buffer k % 2), the thread reads batch
        k + 1 into the other buffer; reading (system calls) and the maths (BLAS)
        both run without the GIL. Leaving early waits for the read in flight.
        """
        with self._file_rows.opened() as read, ThreadPoolExecutor(1, "tinyframe-reader") as reader:

            def submit(k: int):
                return reader.submit(read, batches[k], self._x_buffer(batches[k].size, k % 2))

            pending = submit(0)
            for k in range(len(batches)):
                xb = pending.result()
                if k + 1 < len(batches):
                    pending = submit(k + 1)
                yield xb
