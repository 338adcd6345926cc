"""One program of the large (or conv2d) case in a process of its own: ``python -m benchmarks.large_worker ...``.

Peak RSS only ever grows within a process, so each measurement needs a fresh
one. This loads the data written by `benchmarks.large` (into memory with
``np.fromfile``, or as a read-only ``np.memmap``), trains one epoch of the
case's network (the program module's function of the case's name), and prints
one JSON line: seconds, samples, the epoch's loss, and memory in MiB (the
RSS before the data, the peak RSS and the sampled anonymous/file peaks).
Only the training call is timed; imports and loading are not.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pathlib
import time

import numpy as np

from . import machine, memory, programs

CASES = ("large", "conv2d")  # the cases whose programs run here, one epoch per process


def load_data(data_dir: pathlib.Path, x_mode: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (float32, in memory, memory-mapped or a Dask array on disk) and the integer labels, as
    `benchmarks.large` (and `benchmarks.dask_case`, for ``stack/``) wrote them."""
    meta = json.loads((data_dir / "meta.json").read_text())
    shape = (meta["samples"], meta["features"])
    X_path = data_dir / "X.f32"
    if x_mode == "dask":  # an npy stack, streamed block by block on the synchronous scheduler
        import dask
        import dask.array as da

        dask.config.set(scheduler="synchronous")
        X = da.from_npy_stack(data_dir / "stack")
    elif x_mode == "memmap":
        X = np.memmap(X_path, dtype=np.float32, mode="r", shape=shape)
    else:
        X = np.fromfile(X_path, dtype=np.float32).reshape(shape)
    return X, np.load(data_dir / "y.npy")


def measure(
    program: str, x_mode: str, data_dir: pathlib.Path, batch_size: int, seed: int = 0, case: str = "large"
) -> dict:
    """Train one epoch of ``program``'s network for ``case`` and report its time and memory."""
    module = programs.load(program)
    importlib.import_module(program)  # tinyframe or torch, before the baseline: a library's memory is not the data's
    baseline = memory.status_kib().get("VmRSS", 0) / 1024
    with memory.PeakMemory() as peak:
        X, labels = load_data(data_dir, x_mode)
        run = getattr(module, case)(X, labels, batch_size, seed)
        start = time.perf_counter()
        loss = run()
        seconds = time.perf_counter() - start
    return {
        "program": program,
        "case": case,
        "x": x_mode,
        "samples": int(X.shape[0]),
        "seconds": seconds,
        "loss": float(loss),
        "blas_threads": machine.numpy_blas_threads(),
        "baseline_rss_mib": baseline,
        "peak_rss_mib": memory.peak_rss_mib(),
        "sampled_peak_mib": peak.peak_mib(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--program", choices=programs.LARGE_PROGRAMS, required=True)
    parser.add_argument("--x", dest="x_mode", choices=("memory", "memmap", "dask"), required=True)
    parser.add_argument("--data", type=pathlib.Path, required=True, help="folder written by benchmarks.large")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--case", choices=CASES, default="large", help="whose network (the program function of that name)"
    )
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.program, args.x_mode, args.data, args.batch_size, args.seed, args.case)))


if __name__ == "__main__":
    main()
