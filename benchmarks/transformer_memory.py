"""Peak memory of the transformer case's training, each program in a process of its own.

``python -m benchmarks.transformer_memory PROGRAM [--quick]`` builds the program's model and optimizer
on the case's batches (`transformer.run`'s), notes the resident set (``VmRSS``, after the imports and
the built model), trains 5 steps, and prints JSON with the peak (``VmHWM``); the peak's rise over
that baseline is the working memory of training (activations kept for the backward pass,
gradients, optimizer state, scratch arrays). One process per program, since a process's
high-water mark would otherwise count the other program's. BLAS and torch on one thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

STEPS = 5


def measure_here(name: str, quick: bool) -> dict:
    """In this (fresh) process: the program's resident memory before training, and its peak while training."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from . import memory, programs, workloads
    from .transformer import ANCHOR, QUICK

    size = QUICK if quick else ANCHOR
    with threadpool_limits(limits=1):
        ids = np.random.default_rng(0).integers(0, size.vocabulary, 100_000)
        work = workloads.transformer(ids, 64, size.model().get_weights(), size)
        train = programs.load(name).transformer(work)[0]
        before = memory.status_kib().get("VmRSS", 0) / 1024
        train(STEPS)  # the first step allocates what the others reuse (buffers, optimizer state)
        peak = memory.peak_rss_mib()
    return {"program": name, "rss_before_mib": round(before, 1), "peak_rss_mib": round(peak, 1), "steps": STEPS}


def measure(name: str, quick: bool = False) -> dict:
    """`measure_here` in a child process (``{"error": ...}`` if it failed)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "benchmarks.transformer_memory", name] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    if done.returncode != 0:
        return {"program": name, "error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(measure_here(sys.argv[1], "--quick" in sys.argv[2:])))
