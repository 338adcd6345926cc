"""Cases timed in training steps per second, in this process, on a given number of threads (residual, transformer).

`measure` builds each program under the thread limit (PyTorch reads NumPy's BLAS threads
as it is built), keeps the losses of its first steps (the proof that the programs compute
the same maths), and times calls of ``steps`` steps in interleaved rounds (`benchmarks.timing`),
each call preceded by a one-step primer. Beside each call's wall time it keeps the process's
CPU time (all its threads): on a loaded machine, wall time also counts the waits for a core.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType

from . import machine, timing


def measure(
    case: str,
    modules: dict[str, ModuleType],
    build: Callable[[ModuleType], Callable[[int], float]],
    steps: int,
    repeats: int,
    threads: int | None,
    flops_per_step: float,
    peak_size: int = 2048,
    first_steps: int = 2,
) -> dict:
    """The result of ``case``: per program steps/s (median, quartiles), CPU steps/s, FLOP rate; the ratios.

    Args:
        modules: program name -> module (`programs.load_available`); ``build(module) -> train(steps) -> loss``.
        steps: training steps per timed call.
        repeats: timed rounds (after one warm-up round).
        threads: NumPy's BLAS threads (threadpoolctl) while the programs are built and run; None: as they are.
        flops_per_step: matmul FLOPs of one training step (for the FLOP rate).
        first_steps: steps taken one by one first, their losses kept (``first_losses``).
    """
    from threadpoolctl import threadpool_limits

    load_before = machine.load_average()
    with threadpool_limits(limits=threads):
        peak_gflops = machine.measured_peak_gflops(peak_size)
        runners, primers, first_losses, cpu = {}, {}, {}, {}
        for name, module in modules.items():
            train = build(module)
            first_losses[name] = [train(1) for _ in range(first_steps)]  # the same maths in every program
            runners[name] = _cpu_timed(lambda train=train: train(steps), cpu.setdefault(name, []))
            primers[name] = lambda train=train: train(1)
        times, losses = timing.interleaved(runners, repeats, primers=primers)
    result = {
        "case": case,
        "dtype": "float32",
        "threads": threads,
        "steps_per_call": steps,
        "repeats": repeats,
        "warmup_rounds": 1,
        "primer": "one training step of the same program, untimed, after the pause and before each timed call",
        "unit": "steps/s",
        "peak_gflops": peak_gflops,
        "peak_method": f"best of 10 float32 {peak_size}x{peak_size} matmuls, NumPy's BLAS on "
        + ("its threads, before the case" if threads is None else f"{threads} thread(s)"),
        "load_average": [load_before, machine.load_average()],
        "programs": {},
        "ratios": {},
    }
    for name, seconds in times.items():
        rate = timing.summary([steps / s for s in seconds])
        gflops = rate["median"] * flops_per_step / 1e9
        result["programs"][name] = {
            **rate,
            "seconds": seconds,
            "cpu_seconds": cpu[name][-repeats:],  # the warm-up round's call is not timed
            "cpu_steps_per_second": timing.summary([steps / s for s in cpu[name][-repeats:]]),
            "first_losses": first_losses[name],
            "final_loss": losses[name],
            "gflops": gflops,
            "fraction_of_peak": gflops / peak_gflops,
        }
    if {"tinyframe", "torch"} <= set(times):  # steps/s of tinyframe over PyTorch's = PyTorch's seconds over tinyframe's
        for key, log in (("torch", times), ("torch_cpu", cpu)):  # wall time, and the process's CPU time
            values = [p / t for t, p in zip(log["tinyframe"][-repeats:], log["torch"][-repeats:])]
            result["ratios"][key] = {**timing.summary(values), "values": values}
    return result


def _cpu_timed(call: Callable[[], float], log: list[float]) -> Callable[[], float]:
    """``call``, logging the process CPU time of each of its calls in ``log``."""

    def timed() -> float:
        start = time.process_time()
        value = call()
        log.append(time.process_time() - start)
        return value

    return timed
