"""Case mnist1d_cnn: the MNIST-1D paper's CNN, training steps per second, tinyframe vs PyTorch, float32.

The network of examples/mnist1d.py (three stride-2 convolutions of 25 channels with one
zero at each end, ReLU, Flatten, Dense(10)), Adam(1e-2), batches of 100 taken in order,
sparse cross-entropy on the logits. The data is synthetic with MNIST-1D's shape (4,000
sequences of length 40, 10 classes; `workloads.mnist1d`): no download. Both programs start
from the same weights; the losses of their first two steps are kept (``first_losses``) to
show that they compute the same thing (tests/test_benchmarks.py compares them). Later
losses drift apart: Adam moves a weight whose gradient is rounding noise by the full rate.

One timed call is one epoch (``samples / 100`` steps); the programs run interleaved in this
process (`benchmarks.timing`), each call preceded by a one-step primer. The ratio is
tinyframe's steps/s over PyTorch's, paired within each round. The FLOP rate counts the
convolutions' and the Dense layer's matrix products (`benchmarks.flops`) against the peak
matmul rate measured just before (`machine.measured_peak_gflops`).
"""

from __future__ import annotations

from . import machine, programs, timing, workloads
from .flops import training_flops


def flops_per_sample() -> int:
    """Training FLOPs of one sequence: three convolutions ``length * k * c * f`` MACs each, then 125 x 10.

    Forward MACs 19*5*1*25 + 10*3*25*25 + 5*3*25*25 + 125*10 = 31,750; see `training_flops`.
    """
    lengths = workloads.mnist1d_lengths()
    macs = [length * k * c * f for length, (k, c, f) in zip(lengths, workloads.MNIST1D_CONVS)]
    return training_flops([*macs, lengths[-1] * workloads.MNIST1D_CONVS[-1][2] * workloads.MNIST1D_CLASSES])


def run(samples: int, repeats: int, names: list[str], peak_size: int = 2048) -> dict:
    """Median steps/s of each program, the paired ratio tinyframe / PyTorch, and each one's share of the peak."""
    load_before = machine.load_average()
    peak_gflops = machine.measured_peak_gflops(peak_size)
    work = workloads.mnist1d(samples)
    steps = -(-samples // work.batch_size)
    modules, skipped = programs.load_available(names)
    runners, primers, first_losses = {}, {}, {}
    for name, module in modules.items():
        train = module.mnist1d_cnn(work)
        first_losses[name] = [train(1), train(1)]  # the first two steps: the same maths in every program
        runners[name] = lambda train=train: train(steps)
        primers[name] = lambda train=train: train(1)
    times, losses = timing.interleaved(runners, repeats, primers=primers)
    flops = flops_per_sample() * work.batch_size
    result = {
        "case": "mnist1d_cnn",
        "dtype": "float32",
        "samples": samples,
        "batch_size": work.batch_size,
        "steps_per_call": steps,
        "repeats": repeats,
        "warmup_rounds": 1,
        "primer": "one training step of the same program, untimed, after the pause and before each timed call",
        "unit": "steps/s",
        "flops_per_sample": flops_per_sample(),
        "peak_gflops": peak_gflops,
        "peak_method": f"best of 10 float32 {peak_size}x{peak_size} matmuls, NumPy's BLAS and threads, before the case",
        "load_average": [load_before, machine.load_average()],
        "programs": {name: {"skipped": reason} for name, reason in skipped.items()},
        "ratios": {},
    }
    for name, seconds in times.items():
        rate = timing.summary([steps / s for s in seconds])
        gflops = rate["median"] * flops / 1e9
        result["programs"][name] = {
            **rate,
            "seconds": seconds,
            "first_losses": first_losses[name],
            "final_loss": losses[name],
            "gflops": gflops,
            "fraction_of_peak": gflops / peak_gflops,
        }
    if {"tinyframe", "torch"} <= set(times):  # steps/s of tinyframe over PyTorch's = PyTorch's seconds over tinyframe's
        values = [p / t for t, p in zip(times["tinyframe"], times["torch"])]
        result["ratios"]["torch"] = {**timing.summary(values), "values": values}
    return result
