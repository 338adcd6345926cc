"""Keep a memory-mapped X from filling the resident set.

An ``np.memmap`` reads its file lazily, and every page the process has touched
stays *mapped*, so it counts in the process's resident set (RSS) until the mapping
is closed, although those pages are only the kernel's page cache. Worse, a kernel
that caches files in large folios (Linux 6.x on ext4: 2 MiB) maps a whole folio on
each fault: gathering 256 random rows of a 600 MiB file mapped 500 MiB at once
(measured). Two tools, both for *shared* mappings only:

* `FilePages.release` gives back the pages of a range (``madvise(MADV_DONTNEED)``):
  they leave this process's RSS and stay in the page cache. Used between the
  chunks of a sequential pass (the finite check, `predict`, unshuffled batches).
* `FileRows.read` reads chosen rows with ``os.preadv`` straight from the file into
  a batch buffer, so a shuffled batch maps nothing. Used to gather shuffled batches.

Shared means ``np.memmap`` modes ``"r"``, ``"r+"`` and ``"w+"``: the file (through
the page cache) holds exactly what the array shows, so giving pages back loses
nothing and reading the file reads the array. Mode ``"c"`` (copy-on-write) keeps
private changes in its pages; it is left alone, as is anything that is not an
``np.memmap`` or a view of one, and everything on a platform without ``madvise``
or ``preadv``.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

SHARED_MODES = ("r", "r+", "w+")
RELEASE_EVERY = 32 * 2**20  # bytes of a sequential pass between two releases


def _shared_mapping(arr: np.ndarray) -> tuple[np.memmap, mmap.mmap] | None:
    """The ``np.memmap`` and ``mmap`` under ``arr`` when the mapping is shared, else None."""
    memmap, obj = None, arr
    while obj is not None and not isinstance(obj, mmap.mmap):
        if memmap is None and isinstance(obj, np.memmap):
            memmap = obj
        obj = getattr(obj, "base", None)
    if obj is None or memmap is None or memmap.mode not in SHARED_MODES or arr.nbytes == 0:
        return None
    return memmap, obj


def _offset_in_mapping(arr: np.ndarray, mapping: mmap.mmap) -> int:
    return arr.ctypes.data - np.frombuffer(mapping, np.uint8, count=1).ctypes.data


class FilePages:
    """The page range of a mapped array, and a `release` that drops it from this process's RSS."""

    def __init__(self, mapping: mmap.mmap, start: int, stop: int) -> None:
        self.mapping, self.start, self.length = mapping, start, stop - start

    @classmethod
    def of(cls, arr: np.ndarray) -> FilePages | None:
        """The pages under ``arr`` if it lies in a shared ``np.memmap``, else None.

        >>> FilePages.of(np.zeros(3)) is None
        True
        """
        found = _shared_mapping(arr) if hasattr(mmap, "MADV_DONTNEED") else None
        if found is None or not hasattr(found[1], "madvise"):
            return None
        mapping = found[1]
        first, page = _offset_in_mapping(arr, mapping), mmap.PAGESIZE
        stop = min(-(-(first + arr.nbytes) // page) * page, len(mapping))
        return cls(mapping, first - first % page, stop)

    def release(self) -> None:
        """Drop the range's pages from the resident set (they are read again on the next access)."""
        self.mapping.madvise(mmap.MADV_DONTNEED, self.start, self.length)


class FileRows:
    """Reads rows (samples) of a C-contiguous array in a shared ``np.memmap`` from its file, not its mapping."""

    def __init__(self, filename: str, first: int, row_bytes: int) -> None:
        self.filename, self.first, self.row_bytes = filename, first, row_bytes

    @classmethod
    def of(cls, arr: np.ndarray) -> FileRows | None:
        """A reader for ``arr``'s rows, or None (not a shared memmap, not C-contiguous, no ``preadv``).

        The rows' position in the file is checked by reading the first and the last
        row both ways; any disagreement means None (and gathers through the mapping).
        """
        found = _shared_mapping(arr)
        if found is None or not hasattr(os, "preadv") or arr.ndim < 2 or not arr.flags.c_contiguous:
            return None
        memmap, mapping = found
        if not memmap.filename:
            return None
        # np.memmap maps the file from offset - offset % ALLOCATIONGRANULARITY (numpy/_core/memmap.py)
        mapped_from = memmap.offset - memmap.offset % mmap.ALLOCATIONGRANULARITY
        rows = cls(os.fspath(memmap.filename), mapped_from + _offset_in_mapping(arr, mapping), arr[:1].nbytes)
        ends = np.array([0, arr.shape[0] - 1])
        try:
            with rows.opened() as read:
                check = read(ends, np.empty((2, *arr.shape[1:]), arr.dtype))
        except OSError:
            return None
        return rows if np.array_equal(check, arr[ends], equal_nan=True) else None

    @contextmanager
    def opened(self) -> Iterator:
        """``read(rows, out) -> out``: copy the rows with indices ``rows`` into ``out``, in order."""
        fd = os.open(self.filename, os.O_RDONLY)
        first, size = self.first, self.row_bytes
        row_views: dict[int, tuple[np.ndarray, list]] = {}  # per output buffer: one [memoryview] per row

        def read(rows: np.ndarray, out: np.ndarray) -> np.ndarray:
            kept = row_views.get(id(out))
            if kept is None or kept[0] is not out:
                whole = memoryview(out).cast("B")
                kept = row_views[id(out)] = (out, [[whole[i * size : (i + 1) * size]] for i in range(out.shape[0])])
            for view, offset in zip(kept[1], (rows * size + first).tolist()):
                if os.preadv(fd, view, offset) != size:
                    raise OSError(f"{self.filename}: could not read the row at byte {offset} (was the file truncated?)")
            return out

        try:
            yield read
        finally:
            row_views.clear()
            os.close(fd)
