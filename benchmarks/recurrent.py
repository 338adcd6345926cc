"""Case recurrent: LSTM, GRU, SimpleRNN and Bidirectional(LSTM), training steps per second, tinyframe vs PyTorch.

Each model is ``(50 steps, 8 features) -> <layer>(64) -> Dense(10)`` logits (the layer's last
state; a Bidirectional's two last states concatenated), sparse cross-entropy, Adam(1e-3),
float32, batches of 64 taken in order, synthetic data (`workloads.sequences`). PyTorch runs
``nn.LSTM``/``nn.GRU``/``nn.RNN`` (``batch_first``) and a ``Linear`` head from tinyframe's initial
weights; before any timing, the loss of each program's first step (the same weights, the same
batch) must agree to float32 rounding, or the case stops: both time the same maths.

One timed call is one epoch (``samples / 64`` steps), every program of every model interleaved
in one run (`benchmarks.timing`), each call after a pause and a one-step primer, as the residual
case. The case runs once per thread count (1 and 2, or the one ``--threads`` pins). Two ratios
per model, tinyframe's steps/s over PyTorch's, paired within each round: of the elapsed times,
and of the process CPU times (all threads; on a shared machine other work inflates the first,
not the second). The FLOP rate counts the matrix products (`flops_per_sample`) against the peak
measured just before on as many threads. Target (issue 28): at least 1.2 for every model.
"""

from __future__ import annotations

from . import machine, programs, timing, workloads
from .programs.tinyframe_program import recurrent_network

THREADS = (1, 2)
TARGET = 1.2
GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}


def flops_per_sample(model: str) -> int:
    """Matmul FLOPs of one training sequence, ``2 *`` MACs of each product.

    Per direction, with ``k = gates * 64`` columns: ``x_t W`` forward and ``dJ/dW`` (the first layer
    needs no input gradient), ``4 * T * 8 * k``; ``h_{t-1} U`` forward, ``dJ/dU``, and ``dJ/dh_{t-1}``
    for t >= 1, ``6 * T * 64 * k - 2 * 64 * k``; the head ``6 * in * 10``.
    """
    directions = 2 if model.startswith("Bidirectional(") else 1
    k = GATES[model.removeprefix("Bidirectional(").rstrip(")")] * workloads.SEQUENCE_UNITS
    T, u = workloads.SEQUENCE_STEPS, workloads.SEQUENCE_UNITS
    per_direction = 4 * T * workloads.SEQUENCE_FEATURES * k + 6 * T * u * k - 2 * u * k
    return directions * per_direction + 6 * directions * u * workloads.SEQUENCE_CLASSES


def _agree(first: dict[str, list[float]], model: str) -> None:
    """Stop the case unless the programs' first losses (the same weights and batch) agree to float32 rounding."""
    if {"tinyframe", "torch"} <= set(first):
        ours, theirs = first["tinyframe"][0], first["torch"][0]
        if abs(ours - theirs) > 1e-4 * max(1.0, abs(theirs)):
            raise RuntimeError(f"recurrent case, {model}: first losses differ, tinyframe {ours} vs torch {theirs}")


def run(samples: int, repeats: int, names: list[str], threads: int, peak_size: int = 2048) -> dict:
    """Steps/s of each (model, program) on ``threads`` threads, the paired ratios tinyframe / PyTorch, FLOP rates."""
    from threadpoolctl import threadpool_limits

    load_before = machine.load_average()
    modules, skipped = programs.load_available(names)
    steps = -(-samples // workloads.SEQUENCE_BATCH)
    with threadpool_limits(limits=threads):  # the programs read NumPy's BLAS threads as they are built
        peak_gflops = machine.measured_peak_gflops(peak_size)
        runners, primers, first_losses = {}, {}, {}
        for model in workloads.RECURRENT_MODELS:
            work = workloads.sequences(model, samples, recurrent_network(model).get_weights())
            first = {}
            for name, module in modules.items():
                train = module.recurrent(work)
                first[name] = [train(1), train(1)]  # the first two steps: the same maths in every program
                runners[model, name] = lambda train=train: train(steps)
                primers[model, name] = lambda train=train: train(1)
            _agree(first, model)
            first_losses[model] = first
        cpu: dict = {}
        times, losses = timing.interleaved(runners, repeats, primers=primers, cpu=cpu)
    result = {
        "case": "recurrent",
        "dtype": "float32",
        "threads": threads,
        "samples": samples,
        "batch_size": workloads.SEQUENCE_BATCH,
        "steps_per_call": steps,
        "repeats": repeats,
        "warmup_rounds": 1,
        "primer": "one training step of the same program, untimed, after the pause and before each timed call",
        "unit": "steps/s",
        "target": TARGET,
        "peak_gflops": peak_gflops,
        "peak_method": f"best of 10 float32 {peak_size}x{peak_size} matmuls, NumPy's BLAS on {threads} thread(s)",
        "load_average": [load_before, machine.load_average()],
        "skipped": skipped,
        "models": {},
    }
    for model in workloads.RECURRENT_MODELS:
        flops = flops_per_sample(model) * workloads.SEQUENCE_BATCH
        entry = {"flops_per_sample": flops_per_sample(model), "programs": {}, "ratios": {}}
        for name in modules:
            seconds, cpu_seconds = times[model, name], cpu[model, name]
            rate = timing.summary([steps / s for s in seconds])
            entry["programs"][name] = {
                **rate,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "cpu_ms_per_step": timing.summary([1e3 * c / steps for c in cpu_seconds]),
                "first_losses": first_losses[model][name],
                "final_loss": losses[model, name],
                "gflops": rate["median"] * flops / 1e9,
                "fraction_of_peak": rate["median"] * flops / 1e9 / peak_gflops,
            }
        if {"tinyframe", "torch"} <= set(modules):  # steps/s ratio = PyTorch's seconds over tinyframe's
            for kind, key in (("elapsed", "seconds"), ("cpu", "cpu_seconds")):
                ours, theirs = entry["programs"]["tinyframe"][key], entry["programs"]["torch"][key]
                values = [p / t for t, p in zip(ours, theirs)]
                entry["ratios"][kind] = {**timing.summary(values), "values": values}
        result["models"][model] = entry
    return result
