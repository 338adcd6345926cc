"""The file layer: atomic writes that survive an exception or a crash part-way, and strict reads."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tinyframe import Sequential, load_model
from tinyframe._archive import NpzReader, write_npz
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense


def model(seed):
    return Sequential([Dense(4, 3), Sigmoid(), Dense(3, 2)], dtype="float64", seed=seed)


def failing_write_array(after_bytes, fail):
    """A stand-in for np.lib.format.write_array that writes part of the second array, then calls ``fail``."""
    real, calls = np.lib.format.write_array, []

    def write_array(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) < 2:
            return real(fp, array, *args, **kwargs)
        fp.write(b"\x93NUMPY partial"[:after_bytes])
        fail()

    return write_array


def test_an_exception_mid_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = model(seed=0)
    old.save(path)
    before = path.read_bytes()

    def disk_full():
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", failing_write_array(10, disk_full))
    with pytest.raises(OSError, match="No space left on device"):
        model(seed=1).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"], "the temporary file is removed"
    assert all(np.array_equal(p, q) for p, q in zip(load_model(path).get_weights(), old.get_weights()))


def test_a_crash_mid_save_leaves_the_previous_file_intact(tmp_path):
    path = tmp_path / "model.npz"
    model(seed=0).save(path)
    before = path.read_bytes()
    script = f"""
import os, sys
import numpy as np
sys.path.insert(0, {os.path.dirname(os.path.dirname(__file__))!r})
from tests.test_archive import failing_write_array, model
np.lib.format.write_array = failing_write_array(10, lambda: os._exit(7))  # the process dies mid-write
model(seed=1).save({str(path)!r})
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 7, result.stderr
    assert path.read_bytes() == before
    leftovers = sorted(set(os.listdir(tmp_path)) - {"model.npz"})
    assert len(leftovers) == 1 and leftovers[0].startswith(".model.npz.") and leftovers[0].endswith(".tmp")
    load_model(path)  # still loads


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "model.npz"
    model(seed=0).save(path)
    new = model(seed=1)
    new.save(str(path))
    assert all(np.array_equal(p, q) for p, q in zip(load_model(path).get_weights(), new.get_weights()))


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_saved_file_gets_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_npz(tmp_path / "a.npz", {"x": np.zeros(2)})
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "a.npz").st_mode & 0o777 == 0o644  # not mkstemp's 0o600


def test_the_reader_returns_c_contiguous_copies_of_fortran_arrays(tmp_path):
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.savez(tmp_path / "f.npz", a=fortran)
    with NpzReader(tmp_path / "f.npz") as reader:
        assert reader.names == {"a"}
        a = reader.read("a", (2, 3), "float64")
    assert a.flags.c_contiguous and a.flags.writeable and np.array_equal(a, fortran)


def test_the_reader_names_a_missing_array(tmp_path):
    write_npz(tmp_path / "a.npz", {"x": np.zeros(2)})
    with NpzReader(tmp_path / "a.npz") as reader, pytest.raises(ValueError, match="a.npz: array 'y' is missing"):
        reader.read("y", None, None)


def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "nothing.npz")
