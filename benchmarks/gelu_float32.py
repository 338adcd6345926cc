"""Exact GELU on float32, before and after `tinyframe._normal32`: ``python -m benchmarks.gelu_float32``.

"before" runs the float64-accurate kernels on the float32 array, as GELU did until the
float32 path: ``Phi = erfc(-z / sqrt 2) / 2`` from `tinyframe._erf` in forward, and
``phi`` from ``exp_minus_square`` in backward. "after" is `GELU`'s forward and backward
in a `Scratch` (as in fit: no allocation). Rounds alternate between the two, timed in
process CPU time on one thread; the median of the rounds is reported.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from threadpoolctl import threadpool_limits

from tinyframe import _erf
from tinyframe._scratch import Scratch
from tinyframe.activations import GELU


def before(z: np.ndarray, grad: np.ndarray, work: list[np.ndarray]) -> tuple:
    """The forward and backward closures of the float64-accurate kernels, on buffers of z's shape and dtype."""
    g, y, dz = (np.empty_like(z) for _ in range(3))

    def forward():
        np.multiply(z, -math.sqrt(0.5), out=y)
        _erf.erfc(y, g, work)
        np.multiply(g, 0.5, out=g)
        return np.multiply(z, g, out=y)

    def backward():
        a = np.minimum(np.abs(z, out=work[0]), 40.0, out=work[0])
        _erf.exp_minus_square(a, dz, work[1], scale=0.5)
        np.multiply(dz, 1 / math.sqrt(2 * math.pi), out=dz)
        np.multiply(dz, z, out=dz)
        np.add(dz, g, out=dz)
        return np.multiply(dz, grad, out=dz)

    return forward, backward


def median_ms(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        f()
        times.append(time.process_time() - start)
    return 1e3 * float(np.median(times))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((768, 512)).astype(np.float32) * 2  # some |z| > 4: the old third interval runs
    grad = rng.standard_normal(z.shape).astype(np.float32)
    old_forward, old_backward = before(z, grad, [np.empty_like(z) for _ in range(3)])
    layer = GELU().build(dtype="float32")
    results = {name: [] for name in ("before forward", "after forward", "before backward", "after backward")}
    with threadpool_limits(1), Scratch():
        for _ in range(args.rounds):
            results["before forward"].append(median_ms(old_forward, args.repeat))
            results["after forward"].append(median_ms(lambda: layer.forward(z), args.repeat))
            results["before backward"].append(median_ms(old_backward, args.repeat))
            results["after backward"].append(median_ms(lambda: layer.backward(grad), args.repeat))
    ms = {name: float(np.median(v)) for name, v in results.items()}
    for name, value in ms.items():
        print(f"{name:16} {value:7.3f} ms")
    for step in ("forward", "backward"):
        print(f"{step} speed-up: {ms[f'before {step}'] / ms[f'after {step}']:.2f}x")


if __name__ == "__main__":
    main()
