"""The files of Keras's format: the ``.keras`` zip read with its members checked, and atomic writes.

Reading opens only a regular file (a device, FIFO or socket is refused without blocking)
and reads the zip's central directory first: the archive must hold exactly Keras's three
members, stored (Keras never compresses them; a compressed or encrypted member is refused
before anything is decompressed), each inside the file. A member is then read whole, at most
the bytes it claims, which are bytes the file holds; reading it to the end checks its CRC.

Writing is `tinyframe._archive.write_npz`'s: a temporary file in the target's folder,
flushed, fsync'ed and renamed over the target, keeping an old file's permission bits and a
symlink (see there); only what is written differs.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Callable
from typing import BinaryIO

METADATA, CONFIG, WEIGHTS = "metadata.json", "config.json", "model.weights.h5"
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError)


def write_zip(members: dict[str, bytes]) -> Callable[[BinaryIO], None]:
    """What `write_atomically` calls to write a ``.keras`` zip of ``members``, stored as Keras stores them."""

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)

    return write


def open_regular(path: str, error: Callable[[str], ValueError]) -> BinaryIO:
    """``path`` opened for reading if it is a regular file; O_NONBLOCK so that a FIFO cannot block the open."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)  # a missing file is a FileNotFoundError, as for tinyframe's own files
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise error("is not a regular file (a device, FIFO or socket); tinyframe reads model files only")
    return os.fdopen(fd, "rb")


class KerasArchive:
    """A ``.keras`` file, its members checked; every failure is a ValueError naming the file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file = open_regular(path, self.error)
        try:
            self._zip = zipfile.ZipFile(self._file)
            infos = self._zip.infolist()
        except _READ_ERRORS as problem:
            self._file.close()
            raise self.error(f"it is not a valid .keras (zip) archive, or it is truncated ({problem})") from None
        try:
            self._members = self._checked(infos, os.fstat(self._file.fileno()).st_size)
        except ValueError:
            self.close()
            raise

    def _checked(self, infos: list[zipfile.ZipInfo], file_size: int) -> dict[str, zipfile.ZipInfo]:
        names = [info.filename for info in infos]
        if WEIGHTS not in names and ("model.weights.npz" in names or "model.weights.json" in names):
            raise self.error("its weights are in Keras's .npz or sharded layout; tinyframe reads model.weights.h5")
        if sorted(names) != sorted((METADATA, CONFIG, WEIGHTS)):
            raise self.error(
                f"expected Keras's members {[METADATA, CONFIG, WEIGHTS]}, each once. Received: members {names[:10]}"
            )
        for info in infos:
            if info.flag_bits & 0x1:
                raise self.error(f"member {info.filename!r} is encrypted; Keras writes plain members")
            if info.compress_type != zipfile.ZIP_STORED:
                raise self.error(
                    f"member {info.filename!r} is compressed (method {info.compress_type}); Keras stores its "
                    "members uncompressed, and decompressing could take memory the file does not hold"
                )
            if info.file_size != info.compress_size or info.header_offset + info.compress_size > file_size:
                raise self.error(f"member {info.filename!r} claims {info.file_size} bytes, more than the file's")
        return {info.filename: info for info in infos}

    def read(self, name: str) -> bytes:
        """Member ``name``, whole (its CRC checked)."""
        info = self._members[name]
        try:
            with self._zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except _READ_ERRORS as problem:
            raise self.error(f"member {name!r} is damaged or truncated ({problem})") from None
        if len(data) != info.file_size:
            raise self.error(f"member {name!r} holds {len(data)} bytes, expected {info.file_size} (truncated?)")
        return data

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.path}: {message}")

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    def __enter__(self) -> KerasArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
