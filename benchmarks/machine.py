"""What the figures were measured on: CPU, cores, memory, library versions, BLAS threads.

Benchmark numbers mean little without the machine, so every result file carries
`machine_info()`. The thread pools come from threadpoolctl (which libraries are
loaded, their versions and thread counts); the suite never changes them.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from importlib import metadata

import numpy as np


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_total_mib() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def load_average() -> float | None:
    """The 1-minute load average: how busy the (shared) machine is; None where the OS has none."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def numpy_blas_threads() -> int:
    """Threads of the BLAS that NumPy is linked to (the count every program is given)."""
    from threadpoolctl import threadpool_info

    site = os.path.dirname(os.path.dirname(np.__file__))
    for pool in threadpool_info():  # numpy.libs/, numpy/.dylibs/: NumPy's own copy, not SciPy's or torch's
        if pool["user_api"] == "blas" and os.path.relpath(pool["filepath"], site).startswith("numpy"):
            return pool["num_threads"]
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def machine_info() -> dict:
    """A JSON-friendly description of this machine and of the libraries loaded in this process."""
    from threadpoolctl import threadpool_info

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_total_mib": _memory_total_mib(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "versions": {name: _version(name) for name in ("numpy", "scikit-learn", "torch", "threadpoolctl", "tinyframe")},
        "thread_pools": threadpool_info(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def measured_peak_gflops(size: int = 2048, repeats: int = 10, dtype: str = "float32") -> float:
    """The best GFLOP/s of ``A @ B`` (``size`` x ``size``, NumPy's BLAS, its own threads): a practical peak.

    A large square matmul is the most FLOP-efficient thing this machine does from
    NumPy, so its rate stands in for the peak (a nominal cores x GHz x FLOPs/cycle
    figure is not knowable inside a VM whose clock is hidden). One product costs
    ``2 * size**3`` FLOPs; the best of ``repeats`` runs is kept, after one warm-up.
    """
    rng = np.random.default_rng(0)
    A = rng.standard_normal((size, size), dtype=dtype)
    B = rng.standard_normal((size, size), dtype=dtype)
    out = A @ B  # warm-up: thread start-up, page faults of the output
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(A, B, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9
