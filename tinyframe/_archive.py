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

Memory and time are bounded by what the file really holds, never by what it claims:
only regular files are opened (a device, FIFO or socket is refused without blocking);
only stored members are read (tinyframe never compresses; a compressed or encrypted
member is refused before anything is decompressed), and a stored member cannot be
larger than the file; a ``.npy`` header longer than `MAX_HEADER` bytes is refused
from its length field, before it is read; an array's data is read only if the
member holds every byte its header claims; member names are checked in linear time.
"""

from __future__ import annotations

import io
import math
import os
import stat
import struct
import uuid
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

import numpy as np

# What a damaged or foreign file can raise from zipfile, zlib or the .npy header parser.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, SyntaxError)
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
_LENGTH_FIELDS = {(1, 0): "<H", (2, 0): "<I"}  # the .npy header length: 2 bytes in format 1.0, 4 in 2.0
MAX_HEADER = 10_000  # bytes of .npy header accepted (NumPy's own default limit; it writes under 200)


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` (name -> array) as an uncompressed ``.npz`` at ``path``, atomically.

    The file is written as ``open(path, "w")`` would write it, but all at once:

    * a file that exists keeps its permission bits (``0o600`` stays private); a new
      file gets ``0o666`` less the umask, because the temporary file is created with
      mode ``0o666`` and the kernel applies the umask (and any default ACL of the
      folder) itself, so the umask is never read (``os.umask`` can only be read by
      setting it, which races with other threads). Only the mode carries over: the
      owner, extended ACLs and hard links to the old file do not (a new inode).
    * a symlink stays a symlink and the file it points to is replaced: the temporary
      file goes next to ``os.path.realpath(path)``. A dangling symlink creates the file
      it points to if that file's folder exists; otherwise, and for a symlink loop,
      it is a ValueError naming ``path``.
    * the temporary name is ``.<first 32 characters of the name>.<12 hex>.tmp``, at
      most 50 characters whatever the target's length, so every name the file system
      accepts can be saved to; it is created with ``O_EXCL`` and removed on any failure.

    Raises:
        ValueError: ``path`` is empty or ends in a separator, is a folder, or is a
            symlink that loops or points into a missing folder; nothing is created.
        FileNotFoundError: the folder of ``path`` does not exist.
    """

    write_atomically(path, lambda f: _write_members(f, arrays))


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """The bytes of the ``.npz`` that `write_npz` writes for ``arrays`` (for a model sent over a network)."""
    buffer = io.BytesIO()
    _write_members(buffer, arrays)
    return buffer.getvalue()


def _write_members(f: BinaryIO, arrays: Mapping[str, np.ndarray]) -> None:
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
        for key, array in arrays.items():
            with zf.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it over ``path``: all or nothing.

    The file promises of `write_npz` (permission bits kept, symlinks followed, a short temporary
    name, durable rename) hold for every file tinyframe writes this way (``.npz``, Keras's ``.keras``).
    """
    path, target = _resolve(path)
    folder, name = os.path.split(target)
    try:
        old_mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        old_mode = None
    # A fresh name in the same folder (os.replace cannot cross file systems). A new file is
    # created 0o666 so the umask applies, as for any new file (mkstemp would leave 0o600);
    # over an old file, 0o600 until it gets the old bits, so no data is ever more readable.
    tmp = os.path.join(folder, f".{name[:32]}.{uuid.uuid4().hex[:12]}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666 if old_mode is None else 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            if old_mode is not None:
                _chmod(f.fileno(), tmp, old_mode)
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
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


def _resolve(path: str | os.PathLike) -> tuple[str, str]:
    """``path`` as a str and the file that writing to it replaces (a symlink's target); checks only, creates nothing."""
    path = os.fsdecode(os.fspath(path))
    if not os.path.basename(path):  # "" (which abspath would turn into the working folder) or "folder/"
        raise ValueError(f"save: expected a file path. Received: path={path!r}")
    target = os.path.realpath(path)
    if os.path.isdir(target):
        raise ValueError(f"save: expected a file path, but {target!r} is a folder. Received: path={path!r}")
    if os.path.islink(target):  # realpath stops at a link it cannot resolve
        raise ValueError(f"save: expected a file path, but {path!r} is a symlink that loops. Received: path={path!r}")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        if os.path.islink(path):
            raise ValueError(
                f"save: {path!r} is a symlink to {target!r}, whose folder does not exist. Received: path={path!r}"
            )
        raise FileNotFoundError(f"save: the folder {folder!r} does not exist. Received: path={path!r}")
    return path, target


def _chmod(fd: int, path: str, mode: int) -> None:
    if hasattr(os, "fchmod"):  # POSIX (Windows only from Python 3.13)
        os.fchmod(fd, mode)
    else:
        os.chmod(path, mode)


class NpzReader:
    """Read-only view of an ``.npz`` file; every failure is a ValueError naming the file.

    ``names`` is the set of array names (member names without ``.npy``). With ``content`` (the
    bytes of an ``.npz``, as `npz_bytes` makes them), those are read instead of a file and
    ``path`` only names them in errors; the same checks apply.
    """

    def __init__(self, path: str | os.PathLike | bytes, content: bytes | None = None) -> None:
        self.path = os.fsdecode(os.fspath(path))
        self._file = self._open_regular() if content is None else io.BytesIO(content)
        size = os.fstat(self._file.fileno()).st_size if content is None else len(content)
        try:
            self._zip = zipfile.ZipFile(self._file)
            infos = self._zip.infolist()
        except _READ_ERRORS as error:
            self._file.close()
            raise self.error(f"it is not a valid .npz (zip) archive, or it is truncated ({error})") from None
        try:
            self._infos = self._check_members(infos, size)
        except ValueError:
            self.close()
            raise
        self.names = set(self._infos)

    def _open_regular(self):
        """The file, opened only if it is a regular file; O_NONBLOCK so that a FIFO cannot block the open."""
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(self.path, flags)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise self.error("is not a regular file (a device, FIFO or socket); tinyframe reads model files only")
        return os.fdopen(fd, "rb")

    def _check_members(self, infos: list[zipfile.ZipInfo], file_size: int) -> dict[str, zipfile.ZipInfo]:
        """``{array name: member}``, after refusing odd, duplicated, compressed, encrypted or oversized members."""
        counts = Counter(info.filename for info in infos)
        odd = sorted(name for name, n in counts.items() if n > 1 or not name.endswith(".npy"))
        if odd:
            raise self.error(f"expected only uniquely named .npy arrays. Received: members {odd[:10]}")
        for info in infos:
            if info.flag_bits & 0x1:
                raise self.error(f"member {info.filename!r} is encrypted; tinyframe writes plain members only")
            if info.compress_type != zipfile.ZIP_STORED:
                raise self.error(
                    f"member {info.filename!r} is compressed (method {info.compress_type}); tinyframe writes "
                    "stored members only, and decompressing could take memory the file does not hold"
                )
            if info.file_size != info.compress_size or info.header_offset + info.compress_size > file_size:
                raise self.error(
                    f"member {info.filename!r} claims {info.file_size} bytes, more than the file's {file_size}"
                )
        return {info.filename[: -len(".npy")]: info for info in infos}

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.path}: {message}")

    def read(self, name: str, shape: tuple[int, ...] | None, dtype: np.dtype | str | None) -> np.ndarray:
        """Array ``name``, refused unless it has ``shape`` and ``dtype`` (None: any; never an object dtype)."""
        return self._read(name, shape, dtype, data=True)

    def check(self, name: str, shape: tuple[int, ...] | None, dtype: np.dtype | str | None) -> None:
        """Refuse array ``name`` unless it exists with ``shape`` and ``dtype`` and holds all its data (no data read)."""
        self._read(name, shape, dtype, data=False)

    def _read(self, name: str, shape: Any, dtype: Any, data: bool) -> np.ndarray | None:
        if name not in self.names:
            raise self.error(f"array {name!r} is missing")
        info = self._infos[name]
        try:
            with self._zip.open(info) as member:
                version, header_size, (found_shape, fortran, found_dtype) = _read_header(member)
                problem = _problem(found_shape, found_dtype, shape, dtype)
                nbytes = math.prod(found_shape) * found_dtype.itemsize
                held = info.file_size - header_size
                if problem is None and nbytes > held:
                    problem = f"claims {nbytes} bytes of data; its member holds {held}"
                if problem is None and data:  # only now is any data read, and at most what the member holds
                    raw = member.read(nbytes + 1)  # reading to the end also checks the member's CRC
        except _READ_ERRORS as error:
            raise self.error(f"array {name!r} is damaged or truncated ({error})") from None
        if problem is not None:
            raise self.error(f"array {name!r} {problem}")
        if not data:
            return None
        if len(raw) != nbytes:
            raise self.error(f"array {name!r} holds {len(raw)} bytes of data, expected {nbytes} (truncated?)")
        flat = np.frombuffer(raw, found_dtype)
        return np.array(flat.reshape(found_shape, order="F" if fortran else "C"), order="C")

    def check_names(self, expected: set[str]) -> None:
        """Raise unless the file holds exactly the arrays ``expected``."""
        missing, extra = sorted(expected - self.names), sorted(self.names - expected)
        if missing or extra:
            raise self.error(f"the arrays do not match the saved configuration: missing {missing}, unexpected {extra}")

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_header(member: Any) -> tuple[tuple[int, int], int, tuple]:
    """``(version, bytes before the data, (shape, fortran, dtype))``; the length is checked before the rest."""
    magic = member.read(8)
    version = (magic[6], magic[7]) if len(magic) == 8 and magic[:6] == b"\x93NUMPY" else None
    if version not in _HEADER_READERS:
        raise ValueError(f".npy magic or format version {magic[:8]!r} is not one of {sorted(_HEADER_READERS)}")
    field = member.read(struct.calcsize(_LENGTH_FIELDS[version]))
    if len(field) != struct.calcsize(_LENGTH_FIELDS[version]):
        raise EOFError("the .npy header is cut short")
    length = struct.unpack(_LENGTH_FIELDS[version], field)[0]
    if length > MAX_HEADER:
        raise ValueError(f"the .npy header claims {length} bytes; at most {MAX_HEADER} are accepted")
    text = member.read(length)
    if len(text) != length:
        raise EOFError("the .npy header is cut short")
    parsed = _HEADER_READERS[version](io.BytesIO(field + text))  # NumPy's parser, on the bytes already read
    return version, len(magic) + len(field) + length, parsed


def _problem(found_shape: tuple, found_dtype: np.dtype, shape, dtype) -> str | None:
    """What is wrong with an array's header against the expected shape and dtype, or None."""
    if found_dtype.hasobject:
        return "has dtype object (pickled Python objects), which tinyframe never loads"
    if dtype is not None and found_dtype != np.dtype(dtype):
        return f"must have dtype {np.dtype(dtype)}. Received: dtype {found_dtype}"
    if shape is not None and tuple(found_shape) != tuple(shape):
        return f"must have shape {tuple(shape)}. Received: shape {tuple(found_shape)}"
    return None
