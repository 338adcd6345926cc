"""Case 3, large: 200,000 x 784 float32 synthetic rows, 784-256-10 ReLU, CrossEntropy on logits, Adam, batch 256.

Each measurement is one epoch in a fresh process (`benchmarks.large_worker`),
because peak RSS only grows within a process. X is given twice: in memory (read
with ``np.fromfile``) and as an ``np.memmap`` on disk that training streams
batches from. Rounds run every (program, X) pair once in a shuffled order; the
throughput ratio tinyframe / PyTorch is paired within a round.

The FLOP rate counts matrix products only (elementwise work is ignored) and is
compared with the practical peak `machine.measured_peak_gflops` measured just
before (NumPy's BLAS on a large square float32 matmul).
"""

from __future__ import annotations

import json
import pathlib
import random
import subprocess
import sys
import tempfile

import numpy as np

from . import machine, programs, timing
from .programs.tinyframe_program import large_missing

FEATURES, HIDDEN, CLASSES, BATCH_SIZE = 784, 256, 10, 256
MODES = ("memory", "memmap")
ROOT = pathlib.Path(__file__).resolve().parent.parent


def flops_per_sample(features: int = FEATURES, hidden: int = HIDDEN, classes: int = CLASSES) -> int:
    """Matmul FLOPs of one sample in training: forward ``2(fh + hc)``, weight gradients the same, hidden delta ``2hc``.

    The first layer's input gradient is not needed and not counted.
    """
    return 4 * (features * hidden + hidden * classes) + 2 * hidden * classes


def write_data(
    folder: pathlib.Path, samples: int, seed: int = 0, chunk: int = 20_000, features: int = FEATURES
) -> float:
    """Write ``X.f32`` (raw C-order float32), ``y.npy`` and ``meta.json``; returns X's size in MiB.

    Rows are standard normal; labels are ``argmax(x @ T)`` for a random linear teacher ``T``,
    so the task is learnable and the loss falls. Written in chunks: the parent never holds X.
    (The conv2d case writes its 28 x 28 images here too, as rows of 784.)
    """
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal((features, CLASSES), dtype=np.float32)
    labels = np.empty(samples, np.int64)
    with open(folder / "X.f32", "wb") as f:
        for start in range(0, samples, chunk):
            X = rng.standard_normal((min(chunk, samples - start), features), dtype=np.float32)
            labels[start : start + X.shape[0]] = np.argmax(X @ teacher, axis=1)
            X.tofile(f)
    np.save(folder / "y.npy", labels)
    (folder / "meta.json").write_text(json.dumps({"samples": samples, "features": features}))
    return samples * features * 4 / 2**20


def measure_in_worker(
    program: str, x_mode: str, folder: pathlib.Path, case: str = "large", batch_size: int = BATCH_SIZE
) -> dict:
    """Run one worker process (one epoch of ``case``); its JSON line, or ``{"error": ...}`` with the end of its stderr.

    The worker inherits the environment, so thread settings (``--threads``) apply to it too.
    """
    command = [sys.executable, "-m", "benchmarks.large_worker", "--program", program, "--x", x_mode]
    command += ["--data", str(folder), "--batch-size", str(batch_size), "--case", case]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        return {"program": program, "x": x_mode, "error": done.stderr.strip()[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _skip_reason(name: str) -> str | None:
    try:
        programs.load(name)
    except programs.Skipped as reason:
        return str(reason)
    return f"skipped: {large_missing()}" if name == "tinyframe" and large_missing() else None


def run(
    samples: int,
    repeats: int,
    names: list[str],
    peak_size: int = 2048,
    data_dir: str | None = None,
) -> dict:
    """Throughput, memory and FLOP-rate fraction of each (program, X) pair, and the paired ratios.

    ``peak_size`` is the side of the square matmul that measures the practical peak FLOP rate.
    """
    load_before = machine.load_average()
    peak_gflops = machine.measured_peak_gflops(peak_size)
    skipped = {name: reason for name in names if (reason := _skip_reason(name))}
    active = [(name, mode) for name in names if name not in skipped for mode in MODES]
    rounds, rng = [], random.Random(0)
    with tempfile.TemporaryDirectory(prefix="tinyframe-bench-", dir=data_dir) as tmp:
        data_mib = write_data(pathlib.Path(tmp), samples)
        for _ in range(repeats):
            order = rng.sample(active, len(active))
            rounds.append({pair: measure_in_worker(*pair, pathlib.Path(tmp)) for pair in order})
    result = {
        "case": "large",
        "samples": samples,
        "features": FEATURES,
        "batch_size": BATCH_SIZE,
        "repeats": repeats,
        "data_mib": data_mib,
        "rss_budget_mib": 1.25 * data_mib + 200,
        "flops_per_sample": flops_per_sample(),
        "peak_gflops": peak_gflops,
        "peak_method": f"best of 10 float32 {peak_size}x{peak_size} matmuls, NumPy's BLAS and threads, before the case",
        "load_average": [load_before, machine.load_average()],
        "skipped": skipped,
        "programs": [summarise(name, mode, [r[(name, mode)] for r in rounds], peak_gflops) for name, mode in active],
        "ratios": {},
    }
    if {"tinyframe", "torch"} <= {name for name, _ in active}:
        for mode in MODES:
            pairs = [(r[("tinyframe", mode)], r[("torch", mode)]) for r in rounds]
            # samples/s of tinyframe over PyTorch's in the same round = PyTorch's seconds over tinyframe's
            values = [p["seconds"] / t["seconds"] for t, p in pairs if "error" not in t and "error" not in p]
            if values:
                result["ratios"][mode] = {**timing.summary(values), "values": values, "target_at_least": 1.0}
    return result


def summarise(name: str, mode: str, runs: list[dict], peak_gflops: float, flops: int | None = None) -> dict:
    """Throughput, memory and FLOP rate of one (program, X) over its worker runs; ``flops`` per sample
    (the large network's `flops_per_sample` by default)."""
    flops = flops_per_sample() if flops is None else flops
    good = [r for r in runs if "error" not in r]
    entry = {"program": name, "x": mode, "runs": runs}
    if not good:
        return {**entry, "error": runs[0]["error"]}
    throughput = timing.summary([r["samples"] / r["seconds"] for r in good])
    gflops = throughput["median"] * flops / 1e9
    sampled = [r["sampled_peak_mib"] for r in good]
    return {
        **entry,
        "throughput": throughput,
        "seconds_per_epoch": timing.summary([r["seconds"] for r in good]),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in good),
        "baseline_rss_mib": max(r["baseline_rss_mib"] for r in good),
        "peak_anon_mib": max((s["RssAnon"] for s in sampled if "RssAnon" in s), default=None),
        "peak_file_mib": max((s["RssFile"] for s in sampled if "RssFile" in s), default=None),
        "loss": good[-1]["loss"],
        "gflops": gflops,
        "fraction_of_peak": gflops / peak_gflops,
    }
