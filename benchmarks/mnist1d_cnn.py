"""Case mnist1d_cnn: the MNIST-1D paper's CNN, training steps per second, tinyframe vs PyTorch, float32.

The network of examples/mnist1d.py (three stride-2 convolutions of 25 channels with one
zero at each end, ReLU, Flatten, Dense(10)), Adam(1e-2), batches of 100 taken in order,
sparse cross-entropy on the logits. The data is synthetic with MNIST-1D's shape (4,000
sequences of length 40, 10 classes; `workloads.mnist1d`): no download. Both programs start
from the same weights; the losses of their first two steps are kept (``first_losses``) to
show that they compute the same thing (tests/test_benchmarks.py compares them). Later
losses drift apart: Adam moves a weight whose gradient is rounding noise by the full rate.

One timed call is one epoch (``samples / 100`` steps); the programs run interleaved in this
process (`benchmarks.stepped`), each call preceded by a one-step primer. The ratio is
tinyframe's steps/s over PyTorch's, paired within each round. The FLOP rate counts the
convolutions' and the Dense layer's matrix products (`benchmarks.flops`) against the peak
matmul rate measured just before (`machine.measured_peak_gflops`).
"""

from __future__ import annotations

from . import programs, stepped, workloads
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
    work = workloads.mnist1d(samples)
    steps = -(-samples // work.batch_size)
    modules, skipped = programs.load_available(names)
    flops = flops_per_sample() * work.batch_size
    result = stepped.measure(
        "mnist1d_cnn", modules, lambda m: m.mnist1d_cnn(work), steps, repeats, None, flops, peak_size
    )
    result |= {"samples": samples, "batch_size": work.batch_size, "flops_per_sample": flops_per_sample()}
    result["programs"] |= {name: {"skipped": reason} for name, reason in skipped.items()}
    return result
