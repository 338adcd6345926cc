"""Peak memory of evaluate and predict on Dask data several times a block's size (issue 29), in a child process.

The child builds the data lazily (64 MB of float64 in 4 MB blocks), warms up on one block, then
resets its peak resident size (``/proc/self/clear_refs``) and reports how far above its resident
size the call took it. Skipped without the ``dask`` extra or Linux's ``/proc``.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("dask.array")
pytestmark = pytest.mark.skipif(not os.access("/proc/self/clear_refs", os.W_OK), reason="needs Linux's clear_refs")

ROOT = pathlib.Path(__file__).resolve().parent.parent
CALLS = {
    "evaluate": "m.evaluate(X, y, verbose=0)",
    "predict": "scores = m.predict(X); assert isinstance(scores, da.Array); float(scores.sum().compute())",
}


def peak_above_rest_mib(call: str) -> int:
    code = textwrap.dedent(
        f"""
        import dask, dask.array as da
        from tinyframe import Sequential
        from tinyframe.layers import Dense
        dask.config.set(scheduler="synchronous")
        rows, width, block = 160_000, 50, 10_000  # float64: 64 MB in all, 4 MB a block
        X = da.random.default_rng(0).random((rows, width), chunks=(block, width))
        y = (X[:, 0] > 0.5).astype("int64")
        m = Sequential([Dense(2, activation="softmax")], dtype="float64", seed=0)
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        m.evaluate(X[:block], y[:block], verbose=0)  # builds the model; imports and first allocations
        def status(key):
            return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(key))
        rest = status("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # the peak (VmHWM) starts again from the resident size
        {call}
        print((status("VmHWM") - rest) // 1024)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split()[-1])


@pytest.mark.parametrize("what", sorted(CALLS))
def test_a_streamed_call_holds_a_few_blocks_not_the_data(what):
    peak = peak_above_rest_mib(CALLS[what])
    # Seen: evaluate 11 MiB, predict 12 MiB; before streaming, both computed the data in memory: 118 MiB.
    assert peak < 40, f"{what}: peak {peak} MiB above rest: more than ten 4 MiB blocks (the data is 61 MiB)"
