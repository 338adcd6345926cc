"""The file layer of `tinyframe.saving`: atomic ``.npz`` writes and reads that can never unpickle.

An ``.npz`` is a zip archive of ``.npy`` members. Writing goes to a temporary file
in the target's folder, which is flushed, fsync'ed and then renamed over the
target with ``os.replace`` (atomic on POSIX and Windows): a crash or an exception
part-way leaves the previous file as it was.

Reading opens the zip itself and parses each member's ``.npy`` header (a Python
literal read with ``ast.literal_eval`` by NumPy, never ``eval`` or pickle) before
touching its data, so an array is refused for its name, dtype or shape before a
byte of it is read; object (pickled) arrays are refused by their dtype. Every
problem becomes a ``ValueError`` that names the file.
"""

from __future__ import annotations

import math
import os
import uuid
import zipfile
import zlib
from collections.abc import Mapping

import numpy as np

# What a damaged or foreign file can raise from zipfile, zlib or the .npy header parser.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, SyntaxError)
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` (name -> array) as an uncompressed ``.npz`` at ``path``, atomically."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder!r} does not exist. Received: path={path!r}")
    # A fresh name in the same folder (os.replace cannot cross file systems); mode 0o666
    # so the umask applies, as for any new file (mkstemp would leave 0o600).
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
                for name, array in arrays.items():
                    with zf.open(name + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if os.name == "posix":  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class NpzReader:
    """Read-only view of an ``.npz`` file; every failure is a ValueError naming the file.

    ``names`` is the set of array names (member names without ``.npy``).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        try:
            self._zip = zipfile.ZipFile(self.path)
            members = self._zip.namelist()
        except _READ_ERRORS as error:
            raise self.error(f"it is not a valid .npz (zip) archive, or it is truncated ({error})") from None
        names = [m[: -len(".npy")] for m in members if m.endswith(".npy")]
        if len(names) != len(members) or len(set(names)) != len(names):
            odd = sorted({m for m in members if not m.endswith(".npy") or members.count(m) > 1})
            raise self.error(f"expected only uniquely named .npy arrays. Received: members {odd}")
        self.names = set(names)

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.path}: {message}")

    def read(self, name: str, shape: tuple[int, ...] | None, dtype: np.dtype | str | None) -> np.ndarray:
        """Array ``name``, refused unless it has ``shape`` and ``dtype`` (None: any; never an object dtype)."""
        if name not in self.names:
            raise self.error(f"array {name!r} is missing")
        try:
            with self._zip.open(name + ".npy") as member:
                version = np.lib.format.read_magic(member)
                if version not in _HEADER_READERS:
                    raise ValueError(f".npy format version {version} is not one of {sorted(_HEADER_READERS)}")
                found_shape, fortran, found_dtype = _HEADER_READERS[version](member)
                problem = _problem(found_shape, found_dtype, shape, dtype)
                if problem is None:  # only now is any data read
                    nbytes = math.prod(found_shape) * found_dtype.itemsize
                    data = member.read(nbytes + 1)  # reading to the end also checks the member's CRC
        except _READ_ERRORS as error:
            raise self.error(f"array {name!r} is damaged or truncated ({error})") from None
        if problem is not None:
            raise self.error(f"array {name!r} {problem}")
        if len(data) != nbytes:
            raise self.error(f"array {name!r} holds {len(data)} bytes of data, expected {nbytes} (truncated?)")
        flat = np.frombuffer(data, found_dtype)
        return np.array(flat.reshape(found_shape, order="F" if fortran else "C"), order="C")

    def check_names(self, expected: set[str]) -> None:
        """Raise unless the file holds exactly the arrays ``expected``."""
        missing, extra = sorted(expected - self.names), sorted(self.names - expected)
        if missing or extra:
            raise self.error(f"the arrays do not match the saved configuration: missing {missing}, unexpected {extra}")

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _problem(found_shape: tuple, found_dtype: np.dtype, shape, dtype) -> str | None:
    """What is wrong with an array's header against the expected shape and dtype, or None."""
    if found_dtype.hasobject:
        return "has dtype object (pickled Python objects), which tinyframe never loads"
    if dtype is not None and found_dtype != np.dtype(dtype):
        return f"must have dtype {np.dtype(dtype)}. Received: dtype {found_dtype}"
    if shape is not None and tuple(found_shape) != tuple(shape):
        return f"must have shape {tuple(shape)}. Received: shape {tuple(found_shape)}"
    return None
