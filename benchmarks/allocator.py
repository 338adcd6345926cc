"""One memory allocator behaviour for every program: glibc's malloc thresholds, fixed.

Why: glibc's ``malloc`` serves large blocks (the hand-written loop allocates
1078x30 temporaries, 130-260 KiB, every step) either from the heap or with a
fresh ``mmap``, and it moves that threshold *dynamically* as blocks are freed;
it also returns the top of the heap to the system once 128 KiB or more is free.
So a program that allocates per step may pay a page fault per 4 KiB of every
temporary, or nothing, depending on what else ran in the process before it.
Measured on the machine of the README's table: the hand-written float64 loop
took 430 µs per iteration alone and 1,200-1,450 µs when interleaved with
tinyframe in one process; with the thresholds fixed, 430-445 µs either way.
Fixing them removes that order dependence. It helps the programs that allocate
per step (the hand loop, scikit-learn, PyTorch); tinyframe allocates nothing per step.

`settle` sets them in this process (``mallopt``) and, through the environment
variables glibc reads at start-up, in the large case's worker processes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 256 * 2**20


def settle() -> dict[str, object]:
    """Fix glibc's mmap and trim thresholds here and for child processes; what was done, for the JSON."""
    os.environ["MALLOC_MMAP_THRESHOLD_"] = str(MMAP_THRESHOLD)
    os.environ["MALLOC_TRIM_THRESHOLD_"] = str(TRIM_THRESHOLD)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return {"glibc_mallopt": False, "note": "not glibc: allocator left as it is"}
    ok = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return {"glibc_mallopt": ok, "mmap_threshold": MMAP_THRESHOLD, "trim_threshold": TRIM_THRESHOLD}
