"""Loading uses memory and time bounded by what a file really holds, never by what it claims.

Each hostile file is built here from bytes and loaded in a child process, whose peak
resident memory (VmHWM) must stay under a bound far below what the file claims;
every refusal is a ValueError naming the file.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import textwrap
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinyframe import Sequential, load_model
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense

PEAK_MIB = 250  # Python, NumPy and tinyframe take ~60 MiB; every file below claims gigabytes


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def config_of(model: Sequential) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.npz")
        model.save(path)
        return json.loads(str(np.load(path)["config"]))


def write_zip(path, members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(path, "w", compression, compresslevel=1) as z:
        for name, data in members.items():
            z.writestr(name, data)


def load_in_child(path, cpu_seconds: int = 60) -> tuple[str, int]:
    """``(outcome, peak MiB)`` of ``load_model(path)`` in a fresh process (3 GiB of address space, CPU time capped)."""
    code = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))  # a runaway load fails, not the machine
        resource.setrlimit(resource.RLIMIT_CPU, ({cpu_seconds}, {cpu_seconds} + 1))
        from tinyframe import load_model
        try:
            load_model({os.fspath(path)!r})
            outcome = "loaded"
        except ValueError as error:
            outcome = "ValueError: " + str(error)
        except BaseException as error:
            outcome = type(error).__name__ + ": " + str(error)
        peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
        print(outcome.replace(chr(10), " "))
        print(peak // 1024)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = done.stdout.strip().splitlines()
    assert len(lines) >= 2, f"the child ended with {done.returncode}: {done.stderr[-2000:]}"
    return lines[-2], int(lines[-1])


pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc for VmHWM")


def small_model() -> Sequential:
    return Sequential([Dense(3, 2), Sigmoid()], dtype="float64", seed=0)


def members_of(model: Sequential) -> dict[str, bytes]:
    config = config_of(model)
    members = {"config.npy": npy_bytes(np.array(json.dumps(config)))}
    for i, layer in enumerate(model.layers):
        for name, p in layer.params.items():
            members[f"layers/{i}/{name}.npy"] = npy_bytes(p)
    return members


STORED_OR_DEFLATED = pytest.mark.parametrize(
    "compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"]
)
PAYLOAD = bytes(2**28)  # 256 MiB of zeros: 256 KiB deflated


@STORED_OR_DEFLATED
def test_a_header_length_that_claims_gigabytes_is_refused_at_once(tmp_path, compression):
    members = members_of(small_model())
    # format 2.0: the header length is 4 bytes; claim 2 GiB of header (deflated: 256 MiB really follow)
    tail = PAYLOAD if compression == zipfile.ZIP_DEFLATED else b"{}"
    members["layers/0/W.npy"] = b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31 - 1) + tail
    write_zip(tmp_path / "m.npz", members, compression)
    outcome, peak = load_in_child(tmp_path / "m.npz")
    assert outcome.startswith(f"ValueError: {tmp_path / 'm.npz'}"), outcome
    assert ("header claims" if compression == zipfile.ZIP_STORED else "compressed") in outcome, outcome
    assert peak < PEAK_MIB, f"peak {peak} MiB"


@pytest.mark.slow
@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, zipfile.ZIP_DEFLATED], ids=["bzip2", "lzma", "deflate"]
)
def test_compressed_members_are_refused_before_anything_is_decompressed(tmp_path, compression):
    members = members_of(small_model())
    # a valid array, then 256 MiB of zeros that compress to a few KiB
    members["layers/0/W.npy"] = npy_bytes(np.zeros((3, 2))) + PAYLOAD
    write_zip(tmp_path / "m.npz", members, compression)
    outcome, peak = load_in_child(tmp_path / "m.npz")
    assert "compressed" in outcome and outcome.startswith("ValueError"), outcome
    assert peak < PEAK_MIB, f"peak {peak} MiB"


@STORED_OR_DEFLATED
@pytest.mark.parametrize("dtype", ["<U67108864", "|V268435456"])  # 256 MiB each
def test_a_config_that_claims_a_huge_string_or_void_is_refused(tmp_path, dtype, compression):
    members = members_of(small_model())
    header = {"descr": dtype, "fortran_order": False, "shape": ()}
    text = repr(header).encode() + b" " * 20 + b"\n"
    tail = PAYLOAD if compression == zipfile.ZIP_DEFLATED else bytes(2**20)
    members["config.npy"] = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + tail
    write_zip(tmp_path / "m.npz", members, compression)
    outcome, peak = load_in_child(tmp_path / "m.npz")
    assert outcome.startswith("ValueError"), outcome
    assert ("holds" if compression == zipfile.ZIP_STORED else "compressed") in outcome, outcome
    assert peak < PEAK_MIB, f"peak {peak} MiB"


@pytest.mark.parametrize("width", [16_000, 10**6])
def test_a_config_that_describes_a_huge_model_without_its_arrays_is_refused(tmp_path, width):
    config = config_of(Sequential([Dense(2, 2)], dtype="float64", seed=0))
    config["model"]["layers"][0]["config"].update(in_features=width, units=width)
    config["model"]["input_shape"] = [width]
    write_zip(tmp_path / "m.npz", {"config.npy": npy_bytes(np.array(json.dumps(config)))})
    outcome, peak = load_in_child(tmp_path / "m.npz")
    assert outcome.startswith(f"ValueError: {tmp_path / 'm.npz'}") and "missing" in outcome, outcome
    assert peak < PEAK_MIB, f"peak {peak} MiB"


def test_an_array_whose_member_is_too_short_for_its_header_is_refused_before_reading(tmp_path):
    members = members_of(small_model())
    # a header that claims (20000, 20000) float64 (3.2 GB) in a member of a few bytes
    fake = np.lib.format.header_data_from_array_1_0(np.zeros((2, 2)))
    fake["shape"] = (20_000, 20_000)
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, fake)
    members["layers/0/W.npy"] = buffer.getvalue() + bytes(48)
    write_zip(tmp_path / "m.npz", members)
    outcome, peak = load_in_child(tmp_path / "m.npz")
    assert outcome.startswith("ValueError") and "must have shape (3, 2)" in outcome, outcome
    assert peak < PEAK_MIB, f"peak {peak} MiB"


def test_a_symlink_to_a_device_is_refused(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    os.symlink("/dev/zero", tmp_path / "m.npz")
    outcome, peak = load_in_child(tmp_path / "m.npz")  # reading it would never end
    assert outcome.startswith("ValueError") and "is not a regular file" in outcome, outcome
    assert peak < PEAK_MIB, f"peak {peak} MiB"


def test_a_fifo_is_refused_without_blocking(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(tmp_path / "m.npz")
    outcome, _ = load_in_child(tmp_path / "m.npz")  # would block forever on open() without a writer
    assert outcome.startswith("ValueError") and "is not a regular file" in outcome, outcome


def many_members(path, count: int, last: str) -> None:
    """The small model's members, ``count`` empty extra arrays, then a member named ``last``."""
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members_of(small_model()).items():
            z.writestr(name, data)
        for i in range(count):
            z.writestr(f"extra/{i}.npy", b"")
        with warnings.catch_warnings():  # zipfile warns about a repeated name, which is the point
            warnings.simplefilter("ignore", UserWarning)
            z.writestr(last, b"odd")


def test_many_members_take_time_in_proportion(tmp_path):
    """40,000 members and one odd name: the member checks are linear.

    A resource cap, not a timing: the child gets 5 s of CPU time, 25 times what the
    linear check needs here (0.2 s); the quadratic one took 13 s.
    """
    many_members(tmp_path / "m.npz", 40_000, "readme.txt")
    outcome, _ = load_in_child(tmp_path / "m.npz", cpu_seconds=5)
    assert outcome.startswith("ValueError") and "Received: members ['readme.txt']" in outcome, outcome


def test_a_repeated_member_name_is_refused_and_named(tmp_path):
    many_members(tmp_path / "m.npz", 2_000, "config.npy")  # a second member of that name
    with pytest.raises(ValueError, match=r"uniquely named .npy arrays. Received: members \['config.npy'\]"):
        load_model(tmp_path / "m.npz")


def test_an_encrypted_member_is_refused(tmp_path):
    members = members_of(small_model())
    path = tmp_path / "m.npz"
    write_zip(path, members)
    data = bytearray(path.read_bytes())
    # set the "encrypted" flag (bit 0 of the general-purpose flags) in every central directory entry
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 8] |= 1
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="encrypted"):
        load_model(path)


# ------------------------------------------------------------------------------ fuzzing
def saved_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.npz")
        model = small_model()
        model.compile(optimizer="adam")
        model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=2, verbose=0, batch_size=None)
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


SAVED = saved_bytes()
FUZZ_PEAK = 32 * 2**20  # bytes Python may allocate while loading a file of a few KiB


def load_bounded(tmp_path, data: bytes):
    """``load_model`` of ``data``: the model, or the ValueError; Python's peak allocation is checked."""
    path = tmp_path / "fuzz.npz"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        return load_model(path)
    except ValueError as error:
        assert str(error).startswith(str(path)), f"the message names the file: {error}"
        return error
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < FUZZ_PEAK, f"loading {len(data)} bytes allocated {peak} bytes"


def assert_equal_to_saved(model) -> None:
    reference = load_model_bytes(SAVED)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), reference.get_weights()))


def load_model_bytes(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.npz")
        with open(path, "wb") as f:
            f.write(data)
        return load_model(path)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, len(SAVED) - 1), st.binary(min_size=1, max_size=64), st.booleans())
def test_random_bytes_spliced_into_a_saved_file_load_equal_or_are_refused(tmp_path, at, junk, insert):
    data = SAVED[:at] + junk + SAVED[at + (0 if insert else len(junk)) :]
    result = load_bounded(tmp_path, data)
    if not isinstance(result, ValueError):
        assert_equal_to_saved(result)


npy_descr = st.one_of(
    st.sampled_from(["<f8", "<f4", ">f8", "|O", "<U9999999", "|V99999999", "<i8", "|b1", "<c16", "|S0"]),
    st.text(max_size=12),
)
npy_shape = st.lists(st.integers(-3, 2**40), max_size=4).map(tuple)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["config", "layers/0/W", "layers/0/b"]), npy_descr, npy_shape, st.booleans())
def test_random_npy_header_fields_load_equal_or_are_refused(tmp_path, member, descr, shape, fortran):
    with zipfile.ZipFile(io.BytesIO(SAVED)) as z:
        members = {info.filename: z.read(info) for info in z.infolist()}
    text = repr({"descr": descr, "fortran_order": fortran, "shape": shape}).encode()
    body = members[member + ".npy"]
    old_length = struct.unpack("<H", body[8:10])[0]
    members[member + ".npy"] = (
        b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text) + 1) + text + b"\n" + body[10 + old_length :]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    result = load_bounded(tmp_path, buffer.getvalue())
    if not isinstance(result, ValueError):
        assert_equal_to_saved(result)


# ------------------------------------------------------------ issue 26, item 8: linear in the number of layers
def test_making_and_loading_a_model_reads_each_layer_s_name_a_bounded_number_of_times(tmp_path):
    """Work counted, not timed: each check a model makes of a new layer against the layers before it
    reads their names; done pairwise that is n**2 / 2 reads (6,000 layers took 18 s to load)."""
    import tinyframe
    from tinyframe import Sequential, load_model
    from tinyframe.layers import Layer

    reads = [0]

    @tinyframe.register(name="CountedIdentity")
    class CountedIdentity(Layer):
        def forward(self, x, training=False):
            return x

        def backward(self, grad_out):
            return grad_out

        def __getattribute__(self, attribute):
            if attribute == "name":
                reads[0] += 1
            return object.__getattribute__(self, attribute)

    n = 600
    model = Sequential([CountedIdentity() for _ in range(n)])
    made = reads[0]
    model.build((3,))
    model.save(tmp_path / "deep.npz")
    reads[0] = 0
    load_model(tmp_path / "deep.npz")
    loaded = reads[0]
    assert made < 40 * n and loaded < 40 * n, (made, loaded)  # pairwise: 181,500 and 541,500 reads
