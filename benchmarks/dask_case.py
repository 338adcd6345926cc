"""Case dask, data beyond memory: the large case's network on data streamed from disk by Dask, scored on a cluster.

Training: one epoch of the 784-256-10 network (`benchmarks.large`) with ``X`` in memory, as an
``np.memmap`` and as a Dask array on disk (``dask.array.from_npy_stack``: blocks of `block_rows`
rows, a multiple of the batch size, on the synchronous scheduler), each in a fresh process
(`benchmarks.large_worker`). Scoring: ``predict`` of every row by the same network in one process
(``X`` in memory; or the Dask array, synchronous) and on a ``LocalCluster`` of two worker
processes (one thread each; Dask gives its workers one BLAS thread), also in a fresh process;
only the scoring is timed (not the cluster's start). Peak RSS is the process's, and the
workers' largest for the cluster; these processes use glibc's default malloc thresholds
(`default_allocator`). Skipped without the ``dask`` extra.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import numpy as np

from . import large, machine, memory, timing
from .large_worker import load_data

FIT_MODES = ("memory", "memmap", "dask")
SCORE_MODES = ("memory", "dask", "cluster")
ROOT = pathlib.Path(__file__).resolve().parent.parent


def block_rows(samples: int) -> int:
    """Rows per Dask block: 8,192, or a quarter of the data if smaller, a multiple of the batch size (256)."""
    return max(large.BATCH_SIZE, min(8_192, samples // 4) // large.BATCH_SIZE * large.BATCH_SIZE)


def write_stack(folder: pathlib.Path, samples: int) -> None:
    """``folder/stack``: X.f32 as a Dask npy stack (one ``.npy`` per block), written block by block."""
    import dask
    import dask.array as da

    X = np.memmap(folder / "X.f32", dtype=np.float32, mode="r", shape=(samples, large.FEATURES))
    with dask.config.set(scheduler="synchronous"):
        da.to_npy_stack(folder / "stack", da.from_array(X, chunks=(block_rows(samples), large.FEATURES)))


def score(x_mode: str, data_dir: pathlib.Path) -> dict:
    """Time ``predict`` of every row of the data in ``x_mode`` (see the module's docstring); memory in MiB."""
    import dask.array as da

    from tinyframe import Sequential
    from tinyframe.layers import Dense

    model = Sequential([Dense(large.FEATURES, 256, activation="relu"), Dense(256, 10)], dtype="float32", seed=0)
    baseline = memory.status_kib().get("VmRSS", 0) / 1024
    cluster = client = None
    if x_mode == "cluster":
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        client.run(importlib.import_module, "tinyframe.dask_scoring")  # warm workers, as a cluster in use has
    try:
        start = time.perf_counter()
        if x_mode == "memory":
            X, _ = load_data(data_dir, "memory")
            start = time.perf_counter()
            out = model.predict(X, batch_size=8_192)
        else:
            X = da.from_npy_stack(data_dir / "stack")
            scores = model.predict(X)
            out = client.compute(scores).result() if client else scores.compute(scheduler="synchronous")
        seconds = time.perf_counter() - start
        workers = client.run(lambda: memory.peak_rss_mib()) if client else {}
    finally:
        if client is not None:
            client.close()
            cluster.close()
    return {
        "x": x_mode,
        "samples": int(out.shape[0]),
        "seconds": seconds,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": memory.peak_rss_mib(),
        "workers_peak_rss_mib": max(workers.values(), default=None),
        "blas_threads": machine.numpy_blas_threads(),
    }


@contextlib.contextmanager
def default_allocator() -> Iterator[None]:
    """Child processes with glibc's own malloc thresholds: the suite's fixed ones (`benchmarks.allocator`) keep up
    to 256 MiB of freed blocks resident, and what this case measures is the memory the data takes."""
    saved = {
        name: os.environ.pop(name)
        for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
        if name in os.environ
    }
    try:
        yield
    finally:
        os.environ.update(saved)


def score_in_worker(x_mode: str, folder: pathlib.Path) -> dict:
    command = [sys.executable, "-m", "benchmarks.dask_case", "--score", x_mode, "--data", str(folder)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        return {"x": x_mode, "error": done.stderr.strip()[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(samples: int, repeats: int, data_dir: str | None = None) -> dict:
    """Samples/s and peak memory of streamed training and of scoring, per X (rounds in a shuffled order)."""
    try:
        import dask.distributed  # noqa: F401
    except ModuleNotFoundError as error:
        return {"case": "dask", "skipped": f"needs the dask extra ({error})"}
    load_before = machine.load_average()
    jobs = [("fit", mode) for mode in FIT_MODES] + [("score", mode) for mode in SCORE_MODES]
    rounds, rng = [], random.Random(0)
    with default_allocator(), tempfile.TemporaryDirectory(prefix="tinyframe-bench-", dir=data_dir) as tmp:
        folder = pathlib.Path(tmp)
        data_mib = large.write_data(folder, samples)
        write_stack(folder, samples)
        for _ in range(repeats):
            order = rng.sample(jobs, len(jobs))
            rounds.append(
                {
                    (what, mode): large.measure_in_worker("tinyframe", mode, folder)
                    if what == "fit"
                    else score_in_worker(mode, folder)
                    for what, mode in order
                }
            )
    return {
        "case": "dask",
        "samples": samples,
        "features": large.FEATURES,
        "batch_size": large.BATCH_SIZE,
        "block_rows": block_rows(samples),
        "repeats": repeats,
        "data_mib": data_mib,
        "load_average": [load_before, machine.load_average()],
        "rows": [summarise(what, mode, [r[(what, mode)] for r in rounds]) for what, mode in jobs],
    }


def summarise(what: str, mode: str, runs: list[dict]) -> dict:
    good = [r for r in runs if "error" not in r]
    entry = {"what": what, "x": mode, "runs": runs}
    if not good:
        return {**entry, "error": runs[0]["error"]}
    workers = [r["workers_peak_rss_mib"] for r in good if r.get("workers_peak_rss_mib") is not None]
    return {
        **entry,
        "throughput": timing.summary([r["samples"] / r["seconds"] for r in good]),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in good),
        "baseline_rss_mib": max(r["baseline_rss_mib"] for r in good),
        "workers_peak_rss_mib": max(workers, default=None),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--score", choices=SCORE_MODES, required=True)
    parser.add_argument("--data", type=pathlib.Path, required=True, help="folder written by run")
    args = parser.parse_args(argv)
    print(json.dumps(score(args.score, args.data)))


if __name__ == "__main__":
    main()
