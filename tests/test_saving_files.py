"""Saving as a file: permission bits kept, symlinks followed, long names accepted, odd paths refused cleanly."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tinyframe import Sequential, load_model
from tinyframe.layers import Dense

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and symlinks are POSIX")


def small_model(seed=0):
    return Sequential([Dense(2, 1)], seed=seed)


def same_weights(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


def mode(path):
    return os.stat(path).st_mode & 0o7777


@pytest.fixture
def umask_022():
    """Every mode below is checked under a known umask, so 0o644 (what a new file would get) differs from the old."""
    old = os.umask(0o022)
    yield
    os.umask(old)


# ------------------------------------------------------------------------------ permissions
@posix_only
@pytest.mark.parametrize("old_mode", [0o600, 0o640, 0o604], ids=oct)
def test_saving_over_a_file_keeps_its_permission_bits(tmp_path, umask_022, old_mode):
    path = tmp_path / "model.npz"
    small_model(seed=0).save(path)
    os.chmod(path, old_mode)
    new = small_model(seed=1)
    new.save(path)
    assert mode(path) == old_mode
    assert same_weights(load_model(path), new)
    assert os.listdir(tmp_path) == ["model.npz"]


@posix_only
def test_a_new_file_gets_what_open_for_writing_would_give(tmp_path):
    old = os.umask(0)  # the test is single-threaded, so reading the umask this way is safe here
    os.umask(old)
    small_model().save(tmp_path / "model.npz")
    with open(tmp_path / "plain.txt", "w"):
        pass
    assert mode(tmp_path / "model.npz") == 0o666 & ~old == mode(tmp_path / "plain.txt")


@posix_only
def test_a_new_file_follows_a_strict_umask(tmp_path):
    old = os.umask(0o077)
    try:
        small_model().save(tmp_path / "model.npz")
    finally:
        os.umask(old)
    assert mode(tmp_path / "model.npz") == 0o600


# ------------------------------------------------------------------------------ symlinks
@posix_only
def test_saving_through_a_symlink_updates_its_target_and_keeps_the_link(tmp_path, umask_022):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.npz"
    small_model(seed=0).save(target)
    os.chmod(target, 0o600)
    link = tmp_path / "latest.npz"
    os.symlink(target, link)
    new = small_model(seed=1)
    new.save(link)
    assert os.path.islink(link) and os.readlink(link) == str(target)
    assert same_weights(load_model(link), new) and same_weights(load_model(target), new)
    assert mode(target) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["latest.npz", "real"]
    assert os.listdir(tmp_path / "real") == ["model.npz"]


@posix_only
def test_a_relative_symlink_is_resolved_from_its_own_folder(tmp_path, monkeypatch):
    (tmp_path / "runs").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink("model.npz", tmp_path / "runs" / "latest.npz")
    monkeypatch.chdir(tmp_path / "elsewhere")  # the link's text is relative to its folder, not to the cwd
    new = small_model(seed=1)
    new.save(tmp_path / "runs" / "latest.npz")
    assert os.path.islink(tmp_path / "runs" / "latest.npz")
    assert same_weights(load_model(tmp_path / "runs" / "model.npz"), new)
    assert os.listdir(tmp_path / "elsewhere") == []


@posix_only
def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path):
    target, link = tmp_path / "model.npz", tmp_path / "latest.npz"
    os.symlink(target, link)
    new = small_model()
    new.save(link)
    assert os.path.islink(link) and os.path.isfile(target)
    assert same_weights(load_model(target), new)
    assert sorted(os.listdir(tmp_path)) == ["latest.npz", "model.npz"]


@posix_only
def test_a_symlink_into_a_missing_folder_is_refused(tmp_path):
    link = tmp_path / "latest.npz"
    os.symlink(tmp_path / "gone" / "model.npz", link)
    with pytest.raises(ValueError, match="latest.npz.*gone"):
        small_model().save(link)
    assert os.path.islink(link) and os.listdir(tmp_path) == ["latest.npz"]


@posix_only
def test_a_symlink_loop_is_refused(tmp_path):
    os.symlink(tmp_path / "b.npz", tmp_path / "a.npz")
    os.symlink(tmp_path / "a.npz", tmp_path / "b.npz")
    with pytest.raises(ValueError, match="a.npz.*symlink"):
        small_model().save(tmp_path / "a.npz")
    assert os.path.islink(tmp_path / "a.npz") and sorted(os.listdir(tmp_path)) == ["a.npz", "b.npz"]


@posix_only
def test_a_failed_save_through_a_symlink_leaves_no_temporary_file(tmp_path, monkeypatch):
    (tmp_path / "real").mkdir()
    target, link = tmp_path / "real" / "model.npz", tmp_path / "latest.npz"
    old = small_model(seed=0)
    old.save(target)
    os.symlink(target, link)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", fail)
    with pytest.raises(OSError, match="No space left on device"):
        small_model(seed=1).save(link)
    monkeypatch.undo()
    assert os.listdir(tmp_path / "real") == ["model.npz"] and sorted(os.listdir(tmp_path)) == ["latest.npz", "real"]
    assert same_weights(load_model(link), old)


# ------------------------------------------------------------------------------ names
def name_of_length(n):
    return ("m" * n)[: n - len(".npz")] + ".npz"


@pytest.mark.parametrize("length", [250, 255])
def test_any_name_the_file_system_accepts_can_be_saved_to(tmp_path, length):
    name = name_of_length(length)
    assert len(name) == length
    try:
        with open(tmp_path / name, "w"):
            pass
    except OSError as error:
        pytest.skip(f"the file system refuses a {length}-character name ({error})")
    os.remove(tmp_path / name)
    new = small_model()
    new.save(tmp_path / name)
    new.save(tmp_path / name)  # and over it
    assert same_weights(load_model(tmp_path / name), new)
    assert os.listdir(tmp_path) == [name]


class FsPath:
    """A minimal os.PathLike that is not a str or a pathlib.Path."""

    def __init__(self, text):
        self.text = text

    def __fspath__(self):
        return self.text


@pytest.mark.parametrize("path", ["", FsPath("")], ids=["str", "PathLike"])
def test_an_empty_path_is_refused_before_anything_is_created(tmp_path, monkeypatch, path):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    with pytest.raises(ValueError, match="save: expected a file path.*Received: path=''"):
        small_model().save(path)
    assert os.listdir(tmp_path) == ["cwd"] and os.listdir(tmp_path / "cwd") == []


def test_a_folder_is_refused_before_anything_is_created(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(ValueError, match="save: .*folder' is a folder"):
        small_model().save(tmp_path / "folder")
    with pytest.raises(ValueError, match="save: expected a file path.*Received: path='.*folder.'"):
        small_model().save(str(tmp_path / "folder") + os.sep)
    assert os.listdir(tmp_path) == ["folder"] and os.listdir(tmp_path / "folder") == []
