"""Interleaved repeats and paired ratios: timing that survives a shared, noisy machine.

A slow spell on a shared machine hits whatever runs at that moment. So programs
are never timed one after another in blocks: every *round* runs each program
once, in a freshly shuffled (seeded) order, and a ratio is taken *within* a round
(``subject_i / peer_i``), where both met the same conditions. The median over the
rounds of those paired ratios is the figure reported; it is not the ratio of two
medians. One untimed round first warms caches, buffers and thread pools.

Each timed call starts after a short pause (`PAUSE`, 50 ms) and, when the case
gives one, an untimed *primer* call of the same program. Thread pools keep their
threads spinning for a while after a call (OpenBLAS about 0.1 s, OpenMP a few ms),
and on two cores the next program's threads then share the CPU with them.
Measured here: tinyframe's full-batch step took 450 µs right after a PyTorch call
and 265-340 µs after a pause of 20-300 ms (the same as after its own calls). The pause
lets every program start on an idle machine, whatever ran before it; the primer
(one epoch in the digits cases) then brings the program's own caches and threads
back, since a pause leaves a short call (a 2 ms minibatch epoch) starting cold.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

PAUSE = 0.05  # seconds of idle time before each timed call


def interleaved(
    programs: dict[str, Callable[[], object]],
    repeats: int,
    warmup: int = 1,
    seed: int = 0,
    pause: float = PAUSE,
    primers: dict[str, Callable[[], object]] | None = None,
    cpu: dict[str, list[float]] | None = None,
) -> tuple[dict[str, list[float]], dict[str, object]]:
    """Seconds per call of each program over ``repeats`` shuffled rounds, and each one's last result.

    Args:
        programs: name -> a call that does one timed unit of work (returns anything, e.g. a loss).
        repeats: timed rounds; every program runs once per round.
        warmup: untimed rounds first.
        seed: seeds the order of each round.
        pause: idle seconds before each timed call (see the module's notes).
        primers: name -> a short untimed call run just before each timed call of that program.
        cpu: if given, filled with name -> the process CPU seconds of each timed call (all threads),
            which other programs on a shared machine do not inflate as they do the elapsed time.

    Example:
        >>> times, _ = interleaved({"a": lambda: sum(range(100)), "b": lambda: sum(range(200))}, repeats=3)
        >>> [len(t) for t in times.values()]
        [3, 3]
    """
    order, rng = list(programs), random.Random(seed)
    results: dict[str, object] = {}
    for _ in range(warmup):
        for name in order:
            results[name] = programs[name]()
    times: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(repeats):
        rng.shuffle(order)  # a new order every round: no program always follows the same neighbour
        for name in order:
            time.sleep(pause)
            if primers and name in primers:
                primers[name]()
            start, start_cpu = time.perf_counter(), time.process_time()
            results[name] = programs[name]()
            times[name].append(time.perf_counter() - start)
            if cpu is not None:
                cpu.setdefault(name, []).append(time.process_time() - start_cpu)
    return times, results


def summary(values: list[float], scale: float = 1.0) -> dict[str, float]:
    """Median and quartiles of ``values * scale`` (e.g. seconds per call -> microseconds per iteration)."""
    scaled = [v * scale for v in values]
    if len(scaled) == 1:
        return {"median": scaled[0], "p25": scaled[0], "p75": scaled[0], "n": 1}
    p25, _, p75 = statistics.quantiles(scaled, n=4, method="inclusive")
    return {"median": statistics.median(scaled), "p25": p25, "p75": p75, "n": len(scaled)}


def paired_ratios(times: dict[str, list[float]], subject: str) -> dict[str, dict[str, object]]:
    """``subject / peer`` per round for every other program: the median ratio and the per-round values."""
    ratios = {}
    for peer, peer_times in times.items():
        if peer != subject:
            values = [s / p for s, p in zip(times[subject], peer_times)]
            ratios[peer] = {**summary(values), "values": values}
    return ratios
