"""Case conv2d: a small MNIST-shaped convnet, one epoch per process: throughput, peak memory, FLOP rate.

28 x 28 x 1 synthetic images (standard normal pixels, labels from a random linear teacher,
written once by `large.write_data`), 10 classes; ``Conv2D(32, 3) -> ReLU -> MaxPooling2D ->
Conv2D(64, 3) -> ReLU -> MaxPooling2D -> Flatten -> Dense(10)`` (valid padding, Keras's
defaults), sparse cross-entropy on the logits, Adam(1e-3), batch 64, one shuffled epoch.
tinyframe runs it channels last, PyTorch NCHW (one channel: the same bytes).

Every measurement is one epoch in a fresh process, the large case's worker
(`benchmarks.large_worker` with ``--case conv2d``), so that its peak RSS is its own; rounds
run both programs in a shuffled order and the throughput ratio is paired within a round.
The FLOP rate counts the convolutions' im2col products and the Dense layer (`benchmarks.flops`).
"""

from __future__ import annotations

import pathlib
import random
import tempfile

from . import large, machine, programs, timing, workloads
from .flops import training_flops


def flops_per_sample() -> int:
    """Training FLOPs of one image: 26*26*9*1*32 and 11*11*9*32*64 MACs, then 5*5*64 x 10 (see `training_flops`)."""
    macs, channels = [], 1
    for (side, _), filters in zip(workloads.conv2d_sides(), workloads.CONV2D_FILTERS):
        macs.append(side * side * workloads.CONV2D_KERNEL**2 * channels * filters)
        channels = filters
    return training_flops([*macs, workloads.conv2d_sides()[-1][1] ** 2 * channels * 10])


def run(samples: int, repeats: int, names: list[str], peak_size: int = 2048, data_dir: str | None = None) -> dict:
    """Samples/s, seconds per epoch, peak RSS and FLOP-rate share of each program; the paired throughput ratio."""
    load_before = machine.load_average()
    peak_gflops = machine.measured_peak_gflops(peak_size)
    modules, skipped = programs.load_available(names)
    active = list(modules)
    rounds, rng = [], random.Random(0)
    with tempfile.TemporaryDirectory(prefix="tinyframe-bench-", dir=data_dir) as tmp:
        folder = pathlib.Path(tmp)
        data_mib = large.write_data(folder, samples, features=workloads.IMAGE_SIDE**2)
        for _ in range(repeats):
            order = rng.sample(active, len(active))
            rounds.append(
                {
                    name: large.measure_in_worker(name, "memory", folder, "conv2d", workloads.CONV2D_BATCH)
                    for name in order
                }
            )
    result = {
        "case": "conv2d",
        "dtype": "float32",
        "samples": samples,
        "batch_size": workloads.CONV2D_BATCH,
        "repeats": repeats,
        "data_mib": data_mib,
        "flops_per_sample": flops_per_sample(),
        "peak_gflops": peak_gflops,
        "peak_method": f"best of 10 float32 {peak_size}x{peak_size} matmuls, NumPy's BLAS and threads, before the case",
        "load_average": [load_before, machine.load_average()],
        "skipped": skipped,
        "programs": [
            large.summarise(name, "memory", [r[name] for r in rounds], peak_gflops, flops_per_sample())
            for name in active
        ],
        "ratios": {},
    }
    if {"tinyframe", "torch"} <= set(active):  # samples/s of tinyframe over PyTorch's: PyTorch's s / tinyframe's
        pairs = [(r["tinyframe"], r["torch"]) for r in rounds]
        values = [p["seconds"] / t["seconds"] for t, p in pairs if "error" not in t and "error" not in p]
        if values:
            result["ratios"]["torch"] = {**timing.summary(values), "values": values}
    return result
