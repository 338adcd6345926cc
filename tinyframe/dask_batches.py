"""Dask arrays and DataFrames to `fit`, one chunk in memory at a time (the ``dask`` extra, imported only here).

``model.fit(X, y)`` with ``X`` and ``y`` Dask arrays (or ``X`` a Dask DataFrame of numeric
columns) streams the data: an epoch computes one block of rows at a time (``X`` and ``y``
together, in one ``dask.compute``), cuts it into batches of ``batch_size`` rows and moves on;
peak memory is one block of each plus the model, whatever the data's size.

Shuffling (``shuffle=True``) draws, from the model's Generator, a new order of the blocks
each epoch and a new order of the rows inside each block: a bounded shuffle (one block at a
time), seeded. With ``shuffle=False`` and blocks whose sizes are multiples of ``batch_size``
the batches are those of the same data in memory, so training gives the same weights bit for
bit. ``y`` is re-chunked to ``X``'s blocks of rows.

Example:
    >>> import dask.array as da, numpy as np                         # doctest: +SKIP
    >>> X = da.from_array(np.random.rand(1000, 8), chunks=(200, 8))  # doctest: +SKIP
    >>> model.fit(X, da.from_array(y, chunks=200), batch_size=50)    # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .streams import PyDataset


def is_dask(x: Any) -> bool:
    """Whether ``x`` is a Dask array or DataFrame (read off its class: Dask is not imported for this)."""
    return type(x).__module__.split(".")[0] == "dask" and hasattr(x, "to_delayed")


def as_dask_array(x: Any, name: str, lengths: bool = True) -> Any:
    """``x`` as a Dask array of whole rows per block; a DataFrame's columns must all be numeric.

    ``lengths``: the blocks' sizes must be known (a DataFrame's partitions are counted, one pass
    over the data); `predict` does without. A NumPy array (targets beside Dask inputs) becomes one block.
    """
    if hasattr(x, "columns") and hasattr(x.dtypes, "items"):  # a Dask DataFrame (a Series has one dtype)
        for column, dtype in x.dtypes.items():
            if getattr(dtype, "kind", "O") not in "iufb":
                raise TypeError(
                    f"{name}: column {column!r} is not numeric (dtype {dtype}); encode it (one-hot or integer "
                    f"codes) or drop it. Received: a Dask DataFrame with columns {list(x.columns)[:10]}"
                )
        return _rows(x.to_dask_array(), lengths)
    if hasattr(x, "to_dask_array"):  # a Dask Series
        return _rows(x.to_dask_array(), lengths)
    if not is_dask(x):
        import dask.array as da

        return da.from_array(np.asarray(x), chunks=-1)
    if lengths and any(math.isnan(c) for c in x.chunks[0]):
        raise ValueError(f"{name}: the Dask array's blocks have unknown sizes; call compute_chunk_sizes() first")
    if any(len(c) > 1 for c in x.chunks[1:]):  # a block must hold whole samples: refused, not silently rechunked
        whole = ", ".join(f"{axis}: -1" for axis in range(1, x.ndim))
        raise ValueError(
            f"{name}: the Dask array is split along its feature axes (chunks {x.chunks[1:]}); each block must hold "
            f"whole rows. Rechunk it: x.rechunk({{{whole}}}) (blocks of whole rows, as many as fit in memory)"
        )
    return x


def _rows(x: Any, lengths: bool) -> Any:
    """A DataFrame's array, its blocks counted if ``lengths`` (one pass). Counted on the array, not with
    ``to_dask_array(lengths=True)``: ``read_parquet`` may join small files into fewer partitions once
    optimised, and the lengths counted would then not match the partitions."""
    if not lengths:
        return x
    import dask.array as da

    drop = list(range(1, x.ndim))
    counts = x.map_blocks(_length, chunks=((1,) * x.numblocks[0],), drop_axis=drop, dtype=np.int64).compute()
    return da.Array(x.dask, x.name, (tuple(int(n) for n in counts), *x.chunks[1:]), dtype=x.dtype)


def _length(block: np.ndarray) -> np.ndarray:
    return np.array([len(block)])


def check_block(block: Any, index: int, sample_shape: tuple, name: str) -> np.ndarray:
    """Block ``index`` of ``name`` once computed: numeric, with the sample shape the collection declared.

    A Dask DataFrame declares its columns from its first partition (or its ``meta``); a partition
    read later (another Parquet file) may differ: it is named here, before any of it is used.
    """
    block = np.asarray(block)
    if block.shape[1:] != tuple(sample_shape) or block.dtype.kind not in "iufb":
        raise ValueError(
            f"{name}: block (partition) {index} has rows of shape {block.shape[1:]} and dtype {block.dtype}; the "
            f"collection declares rows of shape {tuple(sample_shape)} of numbers. Make every partition hold the same "
            "numeric columns (read_parquet(..., columns=[...]), astype) before fit, evaluate or predict"
        )
    return block


class DaskBatches(PyDataset):
    """The batches of Dask arrays ``X`` and ``y``, block by block, as a `PyDataset` that `fit` reads in order.

    ``len()`` is the number of batches of an epoch; batch ``i`` is taken from the block it falls
    in, which is computed once when the epoch reaches it. `on_epoch_begin` draws the epoch's
    order (blocks, then rows inside each) when shuffling.
    """

    def __init__(self, X: Any, y: Any, batch_size: int | None, shuffle: bool, rng: np.random.Generator) -> None:
        super().__init__()
        X = as_dask_array(X, "X")
        y = as_dask_array(y, "y")
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X and y must have the same number of samples. Received: {X.shape[0]} and {y.shape[0]}")
        rows = tuple(int(c) for c in X.chunks[0])
        self.X, self.y = X, y.rechunk({0: rows})
        self.sizes = rows
        self.batch_size = max(rows) if batch_size is None else batch_size
        self.shuffle, self.rng = shuffle, rng
        self.counts = [math.ceil(size / self.batch_size) for size in rows]  # batches of each block
        self._order: list[int] = []
        self._rows: dict[int, np.ndarray] = {}
        self._cached: tuple[int, Any, Any] | None = None  # (block, X rows, y rows) of the block in use
        self._set_order(list(range(len(rows))), {})  # in order until an epoch begins (fit's first look at a batch)

    def _set_order(self, order: list[int], rows: dict[int, np.ndarray]) -> None:
        self._order, self._rows, self._cached = order, rows, None
        self._starts = np.cumsum([0, *(self.counts[b] for b in order)])

    def on_epoch_begin(self) -> None:
        """This epoch's order, when shuffling: the blocks, then the rows inside each (from the model's Generator).

        Drawn as the epoch begins, not before: a fit refused at its first batch leaves the Generator as it was.
        """
        if self.shuffle:
            order = [int(b) for b in self.rng.permutation(len(self.sizes))]
            self._set_order(order, {b: self.rng.permutation(self.sizes[b]) for b in order})

    def __len__(self) -> int:
        return int(sum(self.counts))

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        position = int(np.searchsorted(self._starts, index, side="right") - 1)
        block = self._order[position]
        if self._cached is None or self._cached[0] != block:
            import dask

            self._cached = None  # the block before is let go before the next is computed: one block held at a time
            x, y = dask.compute(self.X.blocks[block], self.y.blocks[block])
            x, y = check_block(x, block, self.X.shape[1:], "X"), check_block(y, block, self.y.shape[1:], "y")
            self._cached = (block, x, y)
        _, x, y = self._cached
        start = (index - int(self._starts[position])) * self.batch_size
        rows: Any = slice(start, start + self.batch_size)
        if block in self._rows:  # shuffled: the batch's rows gathered from the block (no shuffled copy of it)
            rows = self._rows[block][rows]
        return x[rows], y[rows]
