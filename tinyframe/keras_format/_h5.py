"""Keras's HDF5 weights tree, written and read with h5py (an optional dependency, imported when first needed).

The tree (``model.weights.h5`` in a ``.keras`` zip, or a whole ``.weights.h5`` file)::

    layers/<group>/vars/0, 1, ...                     a layer's variables, in Keras's order
    layers/<group>/cell/vars/0, 1, 2                  a recurrent layer's (its cell's)
    layers/<group>/forward_layer/cell/vars/...        Bidirectional's, and backward_layer/...
    vars                                              the model's own (none)

``<group>`` is the layer's Keras class name in snake_case, numbered ``_1``, ``_2``, ... in the
order of the model's layers (``dense``, ``dense_1``); each ``vars`` group's ``name`` attribute
is the layer's name, which nothing reads back.

Reading checks a dataset before any of its data is read: it is reached through hard links only
(a soft or external link could lead elsewhere, even into another file); it is contiguous (no
chunks, so no compression filter to run), neither virtual nor in an external raw file; it has
the shape and a dtype expected; and its storage is exactly its bytes, which the file holds.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

_SIGNATURE = b"\x89HDF\r\n\x1a\n"  # what every HDF5 file Keras writes starts with
_H5_ERRORS = (OSError, KeyError, RuntimeError, ValueError, TypeError, OverflowError)  # a damaged file's, from h5py


def h5py_module() -> Any:
    try:
        import h5py
    except ImportError:
        raise ImportError(
            'Keras\'s file format (.keras, .weights.h5) needs h5py: pip install "tinyframe[keras]"'
        ) from None
    return h5py


def tree_bytes(model_name: str, groups: list[tuple[str, str, list[tuple[str, list[np.ndarray]]]]]) -> bytes:
    """The HDF5 file of Keras's tree; ``groups``: ``(group, layer name, [(path in the group, arrays)])``."""
    h5py = h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        layers = f.create_group("layers")
        for group, name, slots in groups:
            made = layers.create_group(group)
            made.create_group("vars").attrs["name"] = name
            for path, arrays in slots:
                held = made.require_group(path)
                held.attrs["name"] = name
                for i, array in enumerate(arrays):
                    held.create_dataset(str(i), data=array)
        f.create_group("vars").attrs["name"] = model_name
    return buffer.getvalue()


class TreeReader:
    """Keras's tree in ``fileobj`` (``size`` bytes); ``error(message)`` makes the ValueError that names the file.

    ``member``: the zip member holding the tree (named in messages), or None for a whole file.
    """

    def __init__(self, fileobj: BinaryIO, size: int, error: Callable[[str], ValueError], member: str | None) -> None:
        self._h5py, self.size, self.error = h5py_module(), size, error
        self.what = "" if member is None else f"member {member!r}: "
        fileobj.seek(0)
        if fileobj.read(len(_SIGNATURE)) != _SIGNATURE:
            raise error(f"{self.what}it is not an HDF5 file (Keras's weights are one)")
        fileobj.seek(0)
        try:
            self.file = self._h5py.File(fileobj, "r")
        except _H5_ERRORS as problem:
            raise error(f"{self.what}it is not a valid HDF5 file, or it is truncated ({problem})") from None

    def _get(self, path: str) -> Any:
        """The object at ``path`` (None if there is none), reached through hard links only."""
        node = self.file
        for part in path.split("/"):
            if not isinstance(node, self._h5py.Group):
                return None
            try:
                link = node.get(part, getlink=True)
                hard = isinstance(link, self._h5py.HardLink)
                found = node[part] if hard else None
            except _H5_ERRORS as problem:
                raise self.error(f"{self.what}{path!r} cannot be read ({problem})") from None
            if link is None:
                return None
            if not hard:
                raise self.error(
                    f"{self.what}{path!r} goes through a {type(link).__name__}, which tinyframe never follows "
                    "(it could lead outside the file); Keras writes hard links only"
                )
            node = found
        return node

    def keys(self, path: str) -> list[str]:
        """The names in group ``path`` ([] if there is no such group)."""
        group = self._get(path)
        if group is None:
            return []
        if not isinstance(group, self._h5py.Group):
            raise self.error(f"{self.what}{path!r} must be a group")
        try:
            return [str(name) for name in group.keys()]  # a name that is not text never matches
        except _H5_ERRORS as problem:
            raise self.error(f"{self.what}{path!r} cannot be read ({problem})") from None

    def read(self, path: str, shape: tuple[int, ...], dtypes: tuple[Any, ...], data: bool = True) -> Any:
        """Dataset ``path`` as an array, refused unless of ``shape`` and one of ``dtypes`` (checked before reading)."""
        found = self._get(path)
        if found is None:
            raise self.error(f"{self.what}dataset {path!r} is missing")
        if not isinstance(found, self._h5py.Dataset):
            raise self.error(f"{self.what}{path!r} must be a dataset")
        try:
            problem = self._problem(found, tuple(shape), [np.dtype(d) for d in dtypes])
            if problem is None and data:
                return np.asarray(found[()]).reshape(shape)
        except _H5_ERRORS as failure:
            problem = f"cannot be read ({failure})"
        if problem is not None:
            raise self.error(f"{self.what}dataset {path!r} {problem}")
        return None

    def _problem(self, found: Any, shape: tuple[int, ...], dtypes: list[np.dtype]) -> str | None:
        if found.dtype not in dtypes:
            return f"must have dtype {' or '.join(map(str, dtypes))}. Received: dtype {found.dtype}"
        if found.shape != shape:
            return f"must have shape {shape}. Received: shape {found.shape}"
        if found.chunks is not None or found.is_virtual or found.external:
            return "is chunked, virtual or external; Keras writes contiguous datasets, the only kind tinyframe reads"
        nbytes = math.prod(shape) * found.dtype.itemsize
        stored = found.id.get_storage_size()
        if stored != nbytes or nbytes > self.size:
            return f"claims {stored} bytes of storage for {nbytes} bytes of data in a file of {self.size}"
        return None

    def close(self) -> None:
        self.file.close()
