"""An X memory-mapped from a file trains like the same X in memory, without filling the resident set."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from tinyframe import Sequential, training
from tinyframe._mapped import FilePages, FileRows
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense

HEADER = 100  # bytes before the array in the file: offsets that are not page-aligned


def memmap_file(tmp_path, rows=300, cols=8, mode="r", seed=0):
    """A (rows, cols) float64 array written after a HEADER, and that file opened as an np.memmap."""
    X = np.random.default_rng(seed).standard_normal((rows, cols))
    path = tmp_path / "X.bin"
    with open(path, "wb") as f:
        f.write(b"\0" * HEADER)
        X.tofile(f)
    return X, np.memmap(path, dtype=np.float64, mode=mode, offset=HEADER, shape=X.shape)


def model(seed=0):
    net = Sequential([Dense(8, 5), Sigmoid(), Dense(5, 3), Sigmoid()], dtype="float64", seed=seed)
    net.compile(optimizer="sgd")
    return net


def test_in_memory_arrays_are_not_treated_as_files():
    X = np.zeros((4, 3))
    assert FilePages.of(X) is None and FileRows.of(X) is None


@pytest.mark.parametrize("mode", ["r", "r+"])
def test_rows_read_from_the_file_are_the_arrays_rows(tmp_path, mode):
    X, mapped = memmap_file(tmp_path, mode=mode)
    view = mapped[37:250]  # a view starting inside the file, at no page boundary
    reader = FileRows.of(np.asarray(view))
    assert reader is not None
    rows = np.array([212, 0, 5, 5, 100])
    with reader.opened() as read:
        out = read(rows, np.empty((5, 8)))
    assert np.array_equal(out, X[37:250][rows])


def test_writes_through_a_shared_mapping_are_what_the_file_reads(tmp_path):
    _, mapped = memmap_file(tmp_path, mode="r+")
    mapped[3] = 123.0  # not flushed: the page cache holds it, and preadv reads the page cache
    with FileRows.of(mapped).opened() as read:
        assert np.all(read(np.array([3]), np.empty((1, 8))) == 123.0)


def test_copy_on_write_mappings_are_left_alone(tmp_path):
    # mode "c" keeps changes in private pages: the file does not have them, and dropping the pages would lose them
    X, mapped = memmap_file(tmp_path, mode="c")
    assert FileRows.of(mapped) is None and FilePages.of(mapped) is None
    mapped[:10] = 0.5
    y = np.arange(300) % 3
    a, b = model(), model()
    a.fit(mapped, y, epochs=2, batch_size=16, verbose=0)
    b.fit(np.array(mapped), y, epochs=2, batch_size=16, verbose=0)
    assert all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


@pytest.mark.parametrize("shuffle", [True, False])
def test_training_on_a_memmap_is_bit_identical_to_training_in_memory(tmp_path, shuffle):
    X, mapped = memmap_file(tmp_path)
    y = np.random.default_rng(1).integers(0, 3, 300)
    a, b = model(), model()
    ha = a.fit(mapped, y, epochs=3, batch_size=7, shuffle=shuffle, verbose=0)
    hb = b.fit(X, y, epochs=3, batch_size=7, shuffle=shuffle, verbose=0)
    assert ha.history == hb.history
    assert all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))
    # the same batch size on both sides: BLAS rounding depends on the number of rows in a call
    assert np.array_equal(a.predict(mapped, batch_size=50), b.predict(X, batch_size=50))


def test_leaving_an_epoch_early_stops_the_reader_thread(tmp_path):
    X, mapped = memmap_file(tmp_path)
    Y = np.zeros((300, 3))

    def readers():
        return [t for t in threading.enumerate() if t.name.startswith("tinyframe-reader")]

    batches = training.Batches(np.asarray(mapped), Y, 10, True, np.random.default_rng(0))
    epoch = batches.epoch()
    first, _, _ = next(epoch)
    assert first.shape == (10, 8) and len(readers()) == 1
    epoch.close()
    assert readers() == []


def test_a_file_truncated_under_the_array_is_an_error_not_garbage(tmp_path):
    _, mapped = memmap_file(tmp_path)
    reader = FileRows.of(mapped)
    with open(tmp_path / "X.bin", "r+b") as f:
        f.truncate(HEADER + 8 * 8 * 10)  # ten rows left
    with reader.opened() as read, pytest.raises(OSError, match="truncated"):
        read(np.array([1, 200]), np.empty((2, 8)))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads VmHWM from /proc")
def test_resident_set_stays_far_below_the_files_size(tmp_path):
    """Fit (shuffled and not), evaluate and predict on a 128 MiB memmap: peak RSS grows by well under 128 MiB."""
    rows, cols = 2**17, 256
    path = tmp_path / "X.f32"
    rng = np.random.default_rng(0)
    with open(path, "wb") as f:
        for _ in range(8):
            rng.standard_normal((rows // 8, cols), dtype=np.float32).tofile(f)
    script = textwrap.dedent(
        f"""
        import numpy as np
        from tinyframe import Sequential
        from tinyframe.layers import Dense
        def peak_mib():
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        model = Sequential([Dense({cols}, 4), Dense(4, 2)], seed=0)
        model.compile(loss="mean_squared_error", optimizer="sgd")
        y = np.arange({rows}) % 2
        before = peak_mib()
        X = np.memmap({str(path)!r}, dtype=np.float32, mode="r", shape=({rows}, {cols}))
        model.fit(X, y, epochs=1, batch_size=512, verbose=0)
        model.fit(X, y, epochs=1, batch_size=4096, shuffle=False, verbose=0)
        model.evaluate(X, y, batch_size=8192, verbose=0, return_dict=True)
        model.predict(X, batch_size=8192)
        print(peak_mib() - before)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    growth = float(done.stdout.strip())
    # 128 MiB of data; the outputs (2 columns) and one-hot targets are 2 MiB each
    assert growth < 48, f"peak RSS grew by {growth:.0f} MiB for a 128 MiB memmap"
